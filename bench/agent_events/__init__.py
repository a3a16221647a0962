"""Live agent events across gateway replicas, and the cost of idle agent sockets.

    .venv/bin/python -m bench.agent_events                      # 500 messages, 200 sockets, SQLite
    .venv/bin/python -m bench.agent_events --database postgres
    .venv/bin/python -m bench.agent_events --messages 100 --sockets 50 --idle-seconds 10
    .venv/bin/python -m bench.agent_events --smoke              # seconds: proves it runs

Every process is a real one, started as a deployment runs them: a ``redis-server`` of the run's
own on a free port of 127.0.0.1 (nothing else publishes on it), two gateway replicas A and B
(``parley serve``, each with its one subscriber on ``parley:agent``), and one ``parley worker``,
all on one freshly migrated database (a SQLite file, or a throwaway PostgreSQL database dropped
at the end). SMS goes through Twilio (a signed webhook comes in; nothing is sent, so Twilio's
REST API is never called). Agents are created with ``parley agent add``, log in through
``POST /agent/api/login`` and open ``GET /agent/ws`` on replica A with the session cookie and
A's own Origin.

Setup: one account per conversation (``PUT /v1/accounts``), one inbound text each through the
core API (which opens the conversation with the bot), then an agent claims every conversation,
so the next texts are for a person. Then, for each of ``--messages`` rounds (after a warm-up),
one after the other and every step sequential:

- Redis publish -> subscriber: the bench publishes on a channel of its own and times its own
  subscriber receiving it (the baseline: the transport hop the feature adds, on the same Redis);
- publish on ``parley:agent`` -> A's socket: Redis, A's subscriber and its fan-out, alone;
- Twilio webhook on B -> event on A: a signed ``POST /webhooks/twilio/sms`` to B; B stores the
  text and enqueues its bot-turn job, the worker routes it (the conversation is with an agent,
  so it publishes ``message.received``), A forwards it to the socket. Timed from just before the
  request to the frame on A's socket; B's own answer to the webhook is timed too;
- core API inbound on B -> event on A: ``POST /v1/messages/inbound`` to B, which routes the text
  in the request and publishes before answering (no worker on this path).

Texts go round the conversations. Then the idle sockets: replica A's RSS (``VmRSS``) and CPU
time (utime+stime) at rest over ``--idle-seconds``, before and after opening ``--sockets``
authenticated sockets (spread over ``--agents`` sessions), whether they all stay open, and
``--fanout`` webhooks on B whose event must reach every socket on A (time to the first and the
last socket).

The report (stdout) gives median, p99 and max per measurement, with ratios to the Redis
baseline, and the verdict against the aim (p99 of webhook-to-event under 250 ms). Progress goes
to stderr, without phone numbers or message bodies; the replicas' and worker's logs are scanned
for them too. The exit status is 1 when an event was lost, a request failed, a socket closed or
missed a broadcast, a process logged an error or a phone number or message body, or a process
died. Nothing here asserts a timing; this is not a test.

Modules: ``options`` (the command line), ``debtors`` (their numbers, accounts and texts, and
keeping them out of what is shown), ``stack`` (Redis, the replicas and the worker as processes),
``conversations`` (the setup), ``listener`` (frames matched to the events waited for),
``sockets`` (agents' logins and sockets), ``rounds`` (the sequential measurements), ``idle``
(the idle sockets), ``measure`` (the run in order), ``results``, ``log_checks`` (the processes'
logs) and ``report``; the database, child processes, CPU accounting and the Twilio form are
shared with the other benchmarks in ``bench``.
"""

"""The debtor portal's web chat on the process stack: a chat turn against Rasa alone, and idle
chat sockets on one gateway process.

    .venv/bin/python -m bench.portal_chat                 # 40 turns each path, 500 sockets
    .venv/bin/python -m bench.portal_chat --smoke         # 3 turns, 10 sockets: proves it runs
    .venv/bin/python -m bench.portal_chat --database postgres --sockets 300

Starts the stack as ``bench.bot_turns`` does (``tests/stack.py``'s BotStack: gateway, two
workers, Rasa with the repository's model, the action server; a fresh SQLite file or throwaway
PostgreSQL database, Redis db 7 unless ``--redis-url``). Every debtor signs in as a browser
does: ``PUT /v1/accounts/{ref}`` with a date of birth, ``POST .../portal-links``, the link's
landing page (its hidden ``check`` and check cookie), the answer posted back (303 and the
``parley_portal`` cookie); then ``GET /portal/ws`` with the cookie and the gateway's Origin.

- Latency: "who is this" (a rule of the assistant's, answered by a custom action that reads
  the conversation from the gateway's bot API, as in ``bench.bot_turns``), sent as a chat
  ``message`` frame; timed until the assistant's ``message`` frame arrives on the socket. The
  baseline is the same text posted to Rasa's REST webhook with the chat's conversation id as
  sender, interleaved turn by turn in the same conversations.
- Idle sockets: ``--sockets`` sessions opened over HTTP, then the gateway process at rest
  (``VmRSS``, CPU over ``--idle-seconds``) without any socket, then with one socket per
  session; one round trip on one of them while all are open, and every socket must still be
  open at the end.

Progress goes to stderr, the report (Markdown) to stdout. The exit status is 1 if a reply was
lost, a session or socket failed, a socket closed, no round trip with every socket open was
answered, or the gateway or a worker logged an error. Nothing here asserts a timing; this is
not a test.

Modules: ``options`` (the command line), ``stack`` (the processes, and finding the gateway's),
``debtors`` (their accounts, links and identity check), ``sockets`` (the chat sockets and a
turn's frames), ``measure`` (the latency and idle-socket phases), ``results``, ``stages``
(where a chat turn's time goes, from the workers' log), ``log_checks`` (the processes' logs)
and ``report``; the database, CPU accounting, Rasa probe and idle readings are shared with
the other benchmarks in ``bench``.
"""

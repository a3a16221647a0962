"""SendGrid's Event Webhook at fixed batch rates, against a bare aiohttp handler.

    .venv/bin/python -m bench.sendgrid_events                # SQLite and PostgreSQL
    .venv/bin/python -m bench.sendgrid_events --databases postgres --rates 50 100 --seconds 5
    .venv/bin/python -m bench.sendgrid_events --smoke        # seconds: proves it runs

The gateway runs in its own process (``python -m bench._server sendgrid-gateway``: ``init_app``
as ``parley serve`` builds it, email through SendGrid, the Event Webhook checked against the
public half of a key pair this run made) and so does the baseline (``events-baseline``: the same
route, the body read and parsed as JSON, ``200``). This process is the load generator: an
open-loop schedule (batch ``i`` is due at ``start + i / rate`` whether or not earlier ones have
answered; latency counts from the due time).

Setup: the portfolio's accounts through ``PUT /v1/accounts/{ref}``, then the emails sent to them
(four per account by default, ``--emails-per-account``, one every quarter of a second of past
time, round the accounts), written as the send path leaves them (outreach, message with
SendGrid's ``X-Message-Id``, contact history). Each batch is what SendGrid posts about those
emails: 100 events (processed, delivered, a machine open, an open, a click; Parley's message id
in ``custom_args``), 10 of them repeats, signed with ECDSA P-256 just before the step. In the
gateway a batch is the signature check, the parse, and one transaction in which each event is
claimed once on its ``sg_event_id`` and applied (delivered moves the message and its outreach,
with a timeline step, the contact history's outcome and an audit row; the others add a timeline
step). Both servers get the same bodies at each rate.

Printed per rate: achieved batches/s, p50/p99/max latency, errors, the gateway/baseline p99
ratio and the server's CPU per batch; the headline is p99 at 50 batches/s. Then, per database,
the checks (the exit status is 1 if one fails): every batch answered 200, each distinct
``sg_event_id`` stored exactly once in ``provider_events``, every email with a delivered event
delivered (its outreach too), and the gateway's answers counting each event once and every
repeat as a duplicate. Nothing here asserts a timing; this is not a test.

Modules: ``options`` (the command line), ``webhook`` (the gateway's SendGrid settings),
``mails`` (the setup), ``batches`` (events, batches and signatures, with the SendGrid emulator's
event builder and signer from ``tests/sendgrid_emulator``), ``load`` (the open-loop poster),
``measure`` (one database's run), ``results``, ``consistency`` (the checks) and ``report``.
"""

"""Alembic environment: runs on the connection handed over by gateway.db.migrate."""

from alembic import context

from gateway.db.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

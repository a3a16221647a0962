"""The bundled ruleset files (YAML data; see policies.ruleset)."""

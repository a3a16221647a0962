"""The bundled ruleset files: YAML data the gateway reads and `policies.parse_ruleset` parses."""

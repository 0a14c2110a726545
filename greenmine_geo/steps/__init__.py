"""Pipeline steps: read inputs (io), run a check, write outputs (io). Shared by CLI and pipelines."""

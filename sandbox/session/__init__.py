"""Session files (../shared/reference/session-format.md): reading, writing, recording, replay."""

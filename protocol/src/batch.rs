//! The event batch an agent posts to `POST /v1/events` (format version 1): its types, its JSON
//! codec and its validation, used by the agent to write it and by the backend to read it.

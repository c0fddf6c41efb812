//! Canned responses: to be filled in by the teams area.

//! Account agent bots: to be filled in by the settings area.

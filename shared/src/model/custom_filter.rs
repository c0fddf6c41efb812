//! Custom filter: to be filled in by the settings area.

//! Custom filters: to be filled in by the settings area.

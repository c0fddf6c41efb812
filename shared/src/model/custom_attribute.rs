//! Custom attribute: to be filled in by the settings area.

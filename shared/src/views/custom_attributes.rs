//! Custom attributes: to be filled in by the settings area.

//! The outcome of one draw.

/// What a many-to-one distributor decided for one draw.
///
/// `Create` carries a [`Ticket`]: create the value, then hand it back with
/// [`ManyToOne::fulfil`](super::ManyToOne::fulfil) so that it enters the pool (and, in planned
/// mode, its slot). A ticket that is dropped unfulfilled is harmless: its slot stays empty and
/// a later draw of that slot asks for creation again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Draw<T> {
    /// Reuse this existing value.
    Reuse(T),
    /// Create a new value and fulfil the ticket with it.
    Create(Ticket),
    /// Give a null (`None`).
    Null,
}

impl<T> Draw<T> {
    /// Maps the reused value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Draw<U> {
        match self {
            Draw::Reuse(v) => Draw::Reuse(f(v)),
            Draw::Create(t) => Draw::Create(t),
            Draw::Null => Draw::Null,
        }
    }
}

impl<T: Clone> Draw<&T> {
    /// Clones the reused value out of the pool.
    pub fn cloned(self) -> Draw<T> {
        self.map(T::clone)
    }
}

/// Permission to create one value; see [`Draw::Create`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "fulfil the ticket with the created value so that it enters the pool"]
pub struct Ticket {
    slot: Option<u32>,
    /// The group plan the slot belongs to (see `Strategy`'s planned draws inside sub-pools).
    group: Option<u32>,
}

impl Ticket {
    pub(crate) fn unplanned() -> Ticket {
        Ticket {
            slot: None,
            group: None,
        }
    }

    pub(crate) fn for_slot(slot: u32) -> Ticket {
        Ticket {
            slot: Some(slot),
            group: None,
        }
    }

    pub(crate) fn in_group(self, group: u32) -> Ticket {
        Ticket {
            group: Some(group),
            ..self
        }
    }

    /// The planned slot of the whole pool this ticket creates a value for (`None` in dynamic
    /// mode, and for a slot of a sub-pool's own plan).
    pub fn slot(self) -> Option<u32> {
        match self.group {
            None => self.slot,
            Some(_) => None,
        }
    }

    /// The slot in whichever plan issued the ticket (the whole pool's or a sub-pool's).
    pub(crate) fn plan_slot(self) -> Option<u32> {
        self.slot
    }

    /// The group plan and its slot, for a ticket of a sub-pool's own plan.
    pub(crate) fn group_slot(self) -> Option<(u32, u32)> {
        Some((self.group?, self.slot?))
    }
}

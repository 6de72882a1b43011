//! What one draw must stay away from: values of sibling fields.

/// Pool positions a draw must not give, or must not bind a new planned slot to.
///
/// Two different rules, both about the other reference fields of the aggregate being
/// populated:
///
/// * [`Avoid::values`] — "must differ" (`#[reference(Airport, differ(origin))]`): the draw never
///   returns these positions. A planned draw redraws its *slot* while the slot holds one of
///   them, a dynamic draw redraws its pick: that is the law conditioned on differing, not a
///   generate-and-reject of the whole aggregate;
/// * [`Avoid::fresh`] — values just created for a sibling reference of the same aggregate
///   (the airport created for this flight's `origin`): a planned slot hit for the first time
///   does not take them as "a value no slot holds yet", so two independent references do not
///   end up equal by construction. They may still be drawn through a slot that holds them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Avoid<'a> {
    /// Positions the draw never gives.
    pub values: &'a [usize],
    /// Positions a first-hit planned slot never takes.
    pub fresh: &'a [usize],
}

impl Avoid<'_> {
    /// Nothing to avoid.
    pub const NONE: Avoid<'static> = Avoid {
        values: &[],
        fresh: &[],
    };

    /// Whether the draw may not give `position`.
    #[inline]
    pub fn forbids(&self, position: usize) -> bool {
        self.values.contains(&position)
    }

    /// Whether a first-hit slot may not take `position`.
    #[inline]
    pub fn blocks_binding(&self, position: usize) -> bool {
        self.forbids(position) || self.fresh.contains(&position)
    }
}

//! An airline's flights: the worked example of relations between references (issue 13).
//!
//! Every relation the single-column laws cannot express is here once:
//!
//! * **difference** — a flight's `origin` and `dest` both refer to `Airport` and never hold the
//!   same airport (`differ(origin)`), while each keeps its own law (an airport that is a busy
//!   origin need not be a busy destination);
//! * **joint law** — the `(origin, dest)` route has its own law (`#[joint(origin, dest, ..)]`):
//!   how many distinct routes and how the flights spread over them, beside each airport
//!   column's marginal law;
//! * **ownership** — a flight's plane belongs to the flight's airline (`same(carrier =
//!   carrier)`), and the planes of each airline still follow the configured skewed law: the
//!   draw is planned inside every airline's sub-pool;
//! * **nullable composite reference** — `tailnum: Option<PlaneId>`: some flights have no plane
//!   recorded, which is NULL in both columns of the composite foreign key;
//! * **refusal** — the domain refuses flights departing in the night curfew (5% of the
//!   departure minutes); the Faker draws such a flight again, nothing of the refused attempt
//!   is stored.
//!
//! The parameters are sized for [`FLIGHTS`] flights and hold together (no plan warning): 16
//! airlines, about 125 planes per airline (2 000 planes at 50 flights per plane), 100 airports
//! (1 000 departures and 1 000 arrivals per airport), 500 routes (200 flights per route).

use std::fmt;

use ddd_faker::Provider;
use ddd_faker::rng::FakerRng;
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// The number of flights the parameters below are sized for.
pub const FLIGHTS: u64 = 100_000;

/// Departure minutes of the night curfew: the domain refuses them (72 of 1 440 minutes, 5%).
pub const CURFEW_MINUTES: u16 = 72;

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct AirlineId(pub i64);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(table = "airlines")]
pub struct Airline {
    #[provider(id, with = |_, position| AirlineId(position as i64 + 1))]
    id: AirlineId,
    #[provider(with = |_, position| format!("Airline {position}"))]
    name: String,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct AirportId(pub i64);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(table = "airports")]
pub struct Airport {
    #[provider(id, with = |_, position| AirportId(position as i64 + 1))]
    id: AirportId,
    #[provider(with = |_, position| format!("Airport {position}"))]
    name: String,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct TailNumber(pub i64);

/// A plane's identity: the airline that owns it and its tail number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
#[provider(value)]
pub struct PlaneId {
    /// 125 planes per airline; the busiest airlines own the most planes.
    #[reference(Airline)]
    #[distributor(skew = 1.5, mean = 125)]
    pub carrier: AirlineId,
    #[provider(with = |_, position| TailNumber(position as i64 + 1))]
    pub tailnum: TailNumber,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(table = "planes")]
pub struct Plane {
    #[provider(id, composite)]
    id: PlaneId,
    #[provider(with = |rng: &mut FakerRng, _| rng.random_range(50u16..400))]
    seats: u16,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct FlightId(pub i64);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(table = "flights", factory = Flight::new)]
#[joint(origin, dest, skew = 1.5, mean = 200)]
pub struct Flight {
    #[provider(id, with = |_, position| FlightId(position as i64 + 1))]
    id: FlightId,
    /// 16 airlines, the busiest first.
    #[reference(Airline)]
    #[distributor(skew = 1.5, mean = 6250)]
    carrier: AirlineId,
    /// A plane of the flight's airline (2% of flights have none recorded); inside each
    /// airline, a few planes fly most.
    #[reference(Plane, same(carrier = carrier))]
    #[distributor(weights = [0.6, 0.25, 0.1, 0.05], mean = 50, null_weight = 0.02)]
    tailnum: Option<PlaneId>,
    #[reference(Airport)]
    #[distributor(skew = 2.0, mean = 1000)]
    origin: AirportId,
    #[reference(Airport, differ(origin))]
    #[distributor(skew = 2.0, mean = 1000)]
    dest: AirportId,
    #[provider(with = |rng: &mut FakerRng, _| rng.random_range(0u16..1440))]
    departure_minute: u16,
}

/// An invariant the domain refuses to break.
#[derive(Debug)]
pub struct Invalid(&'static str);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Invalid {}

impl Flight {
    /// The domain's factory: the invariants every flight keeps.
    pub fn new(
        id: FlightId,
        carrier: AirlineId,
        tailnum: Option<PlaneId>,
        origin: AirportId,
        dest: AirportId,
        departure_minute: u16,
    ) -> Result<Flight, Invalid> {
        if origin == dest {
            return Err(Invalid("a flight cannot land where it took off"));
        }
        if tailnum.is_some_and(|plane| plane.carrier != carrier) {
            return Err(Invalid("a flight flies a plane of its own airline"));
        }
        if departure_minute < CURFEW_MINUTES {
            return Err(Invalid("no departures during the night curfew"));
        }
        Ok(Flight {
            id,
            carrier,
            tailnum,
            origin,
            dest,
            departure_minute,
        })
    }

    pub fn carrier(&self) -> AirlineId {
        self.carrier
    }

    pub fn tailnum(&self) -> Option<PlaneId> {
        self.tailnum
    }

    pub fn origin(&self) -> AirportId {
        self.origin
    }

    pub fn dest(&self) -> AirportId {
        self.dest
    }

    pub fn departure_minute(&self) -> u16 {
        self.departure_minute
    }
}

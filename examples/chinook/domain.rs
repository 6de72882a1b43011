//! The Chinook music store as a domain model with `#[derive(Provider)]`: artists and their
//! albums, tracks (album, genre, media type), employees (each reporting to another), customers
//! (each with a support employee), invoices (customer) and invoice lines (invoice × track).
//!
//! Every `#[distributor(..)]` on a reference is what `faker-pg profile` suggested for the
//! column of the Chinook sample loaded by `scripts/chinook.py` (see the comment above each); the
//! other figures (null shares, price tiers, durations) were measured on the same sample with
//! the same tool. Identifiers are assigned by the repository (the tables' identity columns).
//!
//! The constructors keep what the store itself would refuse: a price is positive and in whole
//! cents, a line sells at least one unit, an employee is hired as an adult, an invoice total is
//! not negative, a track lasts.

use std::fmt;

use ddd_faker::Provider;
use ddd_faker::quantiles::{DateBound, FromBound, QuantileValue, ZonedBound};
use ddd_faker::rng::FakerRng;
use fake::Fake;
use fake::faker::address::en::{CityName, CountryName, StateAbbr, StreetName, ZipCode};
use fake::faker::company::en::CompanyName;
use fake::faker::internet::en::SafeEmail;
use fake::faker::job::en::Title as JobTitle;
use fake::faker::lorem::en::Words;
use fake::faker::name::en::{FirstName, LastName, Name};
use fake::faker::phone_number::en::PhoneNumber;
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// An invariant the domain refuses to break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub &'static str);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Invalid {}

/// Declares an integer identity assigned by the repository (`Default` is its placeholder).
macro_rules! identity {
    ($($name:ident),* $(,)?) => {$(
        #[derive(
            Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize,
            Deserialize,
        )]
        pub struct $name(pub i64);
    )*};
}

identity!(
    ArtistId,
    AlbumId,
    GenreId,
    MediaTypeId,
    EmployeeId,
    CustomerId,
    InvoiceId,
    TrackId
);

/// An amount of money in whole cents, stored as `numeric(10,2)` (serialized as a decimal
/// number of the currency unit, `0.99`). `Default` is zero (what a field the aggregate sets
/// itself starts from).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "f64", try_from = "f64")]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);
    /// A music track's price.
    pub const TRACK: Money = Money(99);
    /// A video's price.
    pub const VIDEO: Money = Money(199);

    pub fn from_cents(cents: i64) -> Money {
        Money(cents)
    }

    pub fn cents(self) -> i64 {
        self.0
    }
}

impl From<Money> for f64 {
    fn from(m: Money) -> f64 {
        m.0 as f64 / 100.0
    }
}

impl TryFrom<f64> for Money {
    type Error = Invalid;

    fn try_from(amount: f64) -> Result<Money, Invalid> {
        let cents = (amount * 100.0).round();
        if !cents.is_finite() || (cents - amount * 100.0).abs() > 1e-6 {
            return Err(Invalid("an amount of money is a whole number of cents"));
        }
        Ok(Money(cents as i64))
    }
}

/// What one unit of a track costs: positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "f64", try_from = "f64")]
pub struct UnitPrice(Money);

impl UnitPrice {
    pub fn new(amount: Money) -> Result<UnitPrice, Invalid> {
        if amount.cents() <= 0 {
            return Err(Invalid("a unit price is positive"));
        }
        Ok(UnitPrice(amount))
    }

    pub fn amount(self) -> Money {
        self.0
    }
}

impl From<UnitPrice> for f64 {
    fn from(p: UnitPrice) -> f64 {
        p.0.into()
    }
}

impl TryFrom<f64> for UnitPrice {
    type Error = Invalid;

    fn try_from(amount: f64) -> Result<UnitPrice, Invalid> {
        UnitPrice::new(Money::try_from(amount)?)
    }
}

/// A calendar day, stored as a `timestamptz` at midnight UTC (`"2009-01-01T00:00:00Z"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Day(i64);

impl Day {
    /// The day `days` after 1970-01-01.
    pub fn from_epoch_days(days: i64) -> Day {
        Day(days)
    }

    /// `year-month-day` (proleptic Gregorian).
    pub fn from_ymd(year: i64, month: u32, day: u32) -> Day {
        // Howard Hinnant's days_from_civil.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Day(era * 146_097 + doe - 719_468)
    }

    /// (year, month, day).
    pub fn ymd(self) -> (i64, u32, u32) {
        // Howard Hinnant's civil_from_days.
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year, month, day)
    }

    pub fn days(self) -> i64 {
        self.0
    }
}

impl From<Day> for String {
    fn from(d: Day) -> String {
        let (y, m, day) = d.ymd();
        format!("{y:04}-{m:02}-{day:02}T00:00:00Z")
    }
}

impl TryFrom<String> for Day {
    type Error = Invalid;

    /// Reads what PostgreSQL and [`From<Day>`] write: `YYYY-MM-DD` followed by anything (a
    /// time of midnight).
    fn try_from(s: String) -> Result<Day, Invalid> {
        let bad = Invalid("a day is written YYYY-MM-DD");
        let date = s.get(..10).ok_or(bad.clone())?;
        let mut parts = date.splitn(3, '-');
        let mut next = || parts.next().ok_or(bad.clone());
        let (y, m, d) = (next()?, next()?, next()?);
        let year: i64 = y.parse().map_err(|_| bad.clone())?;
        let month: u32 = m.parse().map_err(|_| bad.clone())?;
        let day: u32 = d.parse().map_err(|_| bad.clone())?;
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return Err(bad);
        }
        Ok(Day::from_ymd(year, month, day))
    }
}

/// Drawn from a histogram as the number of days it is: `#[provider(quantiles = [..])]` on a
/// `Day` field takes the bounds `faker-pg profile` prints for a date or `timestamptz` column.
impl QuantileValue for Day {
    fn uniform_in<R: rand::Rng + ?Sized>(lo: &Day, hi: &Day, closed: bool, rng: &mut R) -> Day {
        Day(i64::uniform_in(&lo.0, &hi.0, closed, rng))
    }
}

/// A date bound (`"2009-01-01"`).
impl FromBound<DateBound> for Day {
    fn from_bound(bound: DateBound) -> Result<Day, String> {
        Ok(Day(bound.0))
    }
}

/// A `timestamptz` bound at midnight UTC (`"2009-01-01T00:00:00Z"`, what the profile of the
/// sample's `invoice_date` prints); any other time of day is no `Day`.
impl FromBound<ZonedBound> for Day {
    fn from_bound(bound: ZonedBound) -> Result<Day, String> {
        const MICROS_PER_DAY: i64 = 86_400_000_000;
        if bound.0.rem_euclid(MICROS_PER_DAY) != 0 {
            return Err("a day is a timestamp at midnight UTC".to_owned());
        }
        Ok(Day(bound.0.div_euclid(MICROS_PER_DAY)))
    }
}

/// A day drawn uniformly in `from..=to`.
fn day_between(rng: &mut FakerRng, from: Day, to: Day) -> Day {
    Day(rng.random_range(from.days()..=to.days()))
}

/// A name or title is not blank.
fn not_blank(text: &str) -> Result<(), Invalid> {
    if text.trim().is_empty() {
        return Err(Invalid("a name is not blank"));
    }
    Ok(())
}

fn title_case(words: Vec<String>) -> String {
    words
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn fake_person_name(rng: &mut FakerRng, _: u64) -> String {
    Name().fake_with_rng(rng)
}

fn fake_first_name(rng: &mut FakerRng, _: u64) -> String {
    FirstName().fake_with_rng(rng)
}

fn fake_last_name(rng: &mut FakerRng, _: u64) -> String {
    LastName().fake_with_rng(rng)
}

fn fake_words(rng: &mut FakerRng, _: u64) -> String {
    title_case(Words(1..5).fake_with_rng(rng))
}

fn fake_street(rng: &mut FakerRng, _: u64) -> String {
    let number: u32 = rng.random_range(1..2000);
    let street: String = StreetName().fake_with_rng(rng);
    format!("{number} {street}")
}

fn fake_city(rng: &mut FakerRng, _: u64) -> String {
    CityName().fake_with_rng(rng)
}

fn fake_state(rng: &mut FakerRng, _: u64) -> String {
    StateAbbr().fake_with_rng(rng)
}

fn fake_country(rng: &mut FakerRng, _: u64) -> String {
    CountryName().fake_with_rng(rng)
}

fn fake_postal_code(rng: &mut FakerRng, _: u64) -> String {
    ZipCode().fake_with_rng(rng)
}

fn fake_phone(rng: &mut FakerRng, _: u64) -> String {
    PhoneNumber().fake_with_rng(rng)
}

fn fake_email(rng: &mut FakerRng, _: u64) -> String {
    SafeEmail().fake_with_rng(rng)
}

fn fake_company(rng: &mut FakerRng, _: u64) -> String {
    CompanyName().fake_with_rng(rng)
}

fn fake_job_title(rng: &mut FakerRng, _: u64) -> String {
    JobTitle().fake_with_rng(rng)
}

fn fake_birth_date(rng: &mut FakerRng, _: u64) -> Day {
    day_between(rng, Day::from_ymd(1945, 1, 1), Day::from_ymd(1975, 12, 31))
}

fn fake_hire_date(rng: &mut FakerRng, _: u64) -> Day {
    day_between(rng, Day::from_ymd(2002, 1, 1), Day::from_ymd(2004, 12, 31))
}

/// Track length: most tracks of the sample last 3 to 7 minutes; videos (the 1.99 tier) up
/// to 88 minutes. Not a reference, so a plain range is enough.
fn fake_milliseconds(rng: &mut FakerRng, _: u64) -> i64 {
    rng.random_range(90_000..=420_000)
}

/// MP3 at 128 kbit/s: 16 bytes per millisecond, give or take the container.
fn fake_bytes(rng: &mut FakerRng, _: u64) -> i64 {
    rng.random_range(1_000_000..12_000_000)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(factory = Artist::new)]
pub struct Artist {
    #[provider(id, auto_key)]
    id: ArtistId,
    #[provider(with = fake_person_name)]
    name: String,
}

impl Artist {
    pub fn new(id: ArtistId, name: String) -> Result<Artist, Invalid> {
        not_blank(&name)?;
        Ok(Artist { id, name })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(factory = Album::new)]
pub struct Album {
    #[provider(id, auto_key)]
    id: AlbumId,
    #[provider(with = fake_words)]
    title: String,
    /// `faker-pg profile --table album --column artist_id` on the sample: 347 albums by 204 of
    /// the 275 artists, quartile weights 0.545 0.161 0.147 0.147, skew fit r² 0.898 (< 0.9, so
    /// weights).
    #[reference(Artist)]
    #[distributor(weights = [0.545, 0.161, 0.147, 0.147], mean = 1.7)]
    artist_id: ArtistId,
}

impl Album {
    pub fn new(id: AlbumId, title: String, artist_id: ArtistId) -> Result<Album, Invalid> {
        not_blank(&title)?;
        Ok(Album {
            id,
            title,
            artist_id,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(factory = Genre::new)]
pub struct Genre {
    #[provider(id, auto_key)]
    id: GenreId,
    #[provider(with = fake_words)]
    name: String,
}

impl Genre {
    pub fn new(id: GenreId, name: String) -> Result<Genre, Invalid> {
        not_blank(&name)?;
        Ok(Genre { id, name })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(factory = MediaType::new)]
pub struct MediaType {
    #[provider(id, auto_key)]
    id: MediaTypeId,
    #[provider(with = fake_words)]
    name: String,
}

impl MediaType {
    pub fn new(id: MediaTypeId, name: String) -> Result<MediaType, Invalid> {
        not_blank(&name)?;
        Ok(MediaType { id, name })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(factory = Employee::new)]
pub struct Employee {
    #[provider(id, auto_key)]
    id: EmployeeId,
    #[provider(with = fake_last_name)]
    last_name: String,
    #[provider(with = fake_first_name)]
    first_name: String,
    #[provider(with = fake_job_title)]
    title: String,
    /// `faker-pg profile --table employee --column reports_to`: of the 8 employees one (the
    /// general manager) reports to nobody, the 7 others to 3 managers, 3/2/2 of them. The
    /// manager is not drawn as a null (one null in 8 would be a 0.125 coin per employee): the
    /// run creates the general manager first with `reports_to = null` and draws the 7 others
    /// with the measured weights and mean.
    #[reference(Employee)]
    #[distributor(weights = [0.429, 0.286, 0.286], mean = 2.33)]
    reports_to: Option<EmployeeId>,
    #[provider(with = fake_birth_date)]
    birth_date: Day,
    #[provider(with = fake_hire_date)]
    hire_date: Day,
    #[provider(with = fake_street)]
    address: String,
    #[provider(with = fake_city)]
    city: String,
    #[provider(with = fake_state)]
    state: String,
    #[provider(with = fake_country)]
    country: String,
    #[provider(with = fake_postal_code)]
    postal_code: String,
    #[provider(with = fake_phone)]
    phone: String,
    #[provider(with = fake_phone)]
    fax: String,
    #[provider(with = fake_email)]
    email: String,
}

impl Employee {
    #[allow(clippy::too_many_arguments)] // one argument per column of the table
    pub fn new(
        id: EmployeeId,
        last_name: String,
        first_name: String,
        title: String,
        reports_to: Option<EmployeeId>,
        birth_date: Day,
        hire_date: Day,
        address: String,
        city: String,
        state: String,
        country: String,
        postal_code: String,
        phone: String,
        fax: String,
        email: String,
    ) -> Result<Employee, Invalid> {
        not_blank(&last_name)?;
        not_blank(&first_name)?;
        let (y, m, d) = birth_date.ymd();
        if hire_date < Day::from_ymd(y + 18, m, d.min(28)) {
            return Err(Invalid("an employee is hired at 18 or older"));
        }
        if !email.contains('@') {
            return Err(Invalid("an email address has an @"));
        }
        Ok(Employee {
            id,
            last_name,
            first_name,
            title,
            reports_to,
            birth_date,
            hire_date,
            address,
            city,
            state,
            country,
            postal_code,
            phone,
            fax,
            email,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(factory = Customer::new)]
pub struct Customer {
    #[provider(id, auto_key)]
    id: CustomerId,
    #[provider(with = fake_first_name)]
    first_name: String,
    #[provider(with = fake_last_name)]
    last_name: String,
    /// Null shares of the contact columns, measured by `faker-pg profile --table customer`:
    /// company 0.831, state 0.492, postal code 0.068, phone 0.017, fax 0.797 (`mean = 1`: every
    /// customer has their own).
    #[provider(with = fake_company)]
    #[distributor(mean = 1, null_weight = 0.831)]
    company: Option<String>,
    #[provider(with = fake_street)]
    address: String,
    #[provider(with = fake_city)]
    city: String,
    #[provider(with = fake_state)]
    #[distributor(mean = 1, null_weight = 0.492)]
    state: Option<String>,
    #[provider(with = fake_country)]
    country: String,
    #[provider(with = fake_postal_code)]
    #[distributor(mean = 1, null_weight = 0.068)]
    postal_code: Option<String>,
    #[provider(with = fake_phone)]
    #[distributor(mean = 1, null_weight = 0.017)]
    phone: Option<String>,
    #[provider(with = fake_phone)]
    #[distributor(mean = 1, null_weight = 0.797)]
    fax: Option<String>,
    #[provider(with = fake_email)]
    email: String,
    /// `faker-pg profile --table customer --column support_rep_id`: the 59 customers share 3
    /// support employees, 21/20/18 of them (weights 0.356 0.339 0.305, one per value).
    #[reference(Employee)]
    #[distributor(weights = [0.356, 0.339, 0.305], mean = 19.67)]
    support_rep_id: EmployeeId,
}

impl Customer {
    #[allow(clippy::too_many_arguments)] // one argument per column of the table
    pub fn new(
        id: CustomerId,
        first_name: String,
        last_name: String,
        company: Option<String>,
        address: String,
        city: String,
        state: Option<String>,
        country: String,
        postal_code: Option<String>,
        phone: Option<String>,
        fax: Option<String>,
        email: String,
        support_rep_id: EmployeeId,
    ) -> Result<Customer, Invalid> {
        not_blank(&first_name)?;
        not_blank(&last_name)?;
        if !email.contains('@') {
            return Err(Invalid("an email address has an @"));
        }
        Ok(Customer {
            id,
            first_name,
            last_name,
            company,
            address,
            city,
            state,
            country,
            postal_code,
            phone,
            fax,
            email,
            support_rep_id,
        })
    }
}

/// What an invoice sells: music tracks at 0.99 or videos at 1.99. The sample's invoices do
/// not mix them (`SELECT invoice_id, count(*) FILTER (WHERE unit_price = 1.99) ... GROUP BY
/// invoice_id`: 382 of the 412 invoices without a video, 13 only videos, 17 a few of each),
/// which is what makes most totals whole multiples of one price; the weight of `Video` is the share of
/// the sample's lines at 1.99 (`faker-pg profile --table invoice_line --column unit_price`:
/// 0.0496), so that the lines' prices keep their shares too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Provider)]
pub enum Catalogue {
    #[weight(0.9504)]
    Music,
    #[weight(0.0496)]
    Video,
}

impl Catalogue {
    /// What one unit costs in this catalogue.
    pub fn price(self) -> Money {
        match self {
            Catalogue::Music => Money::TRACK,
            Catalogue::Video => Money::VIDEO,
        }
    }
}

/// An invoice and its lines: one aggregate (the store writes an invoice with its lines, and
/// its total is theirs). The lines are entities of the invoice, stored in `invoice_line`
/// with the invoice's key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(factory = Invoice::new)]
pub struct Invoice {
    #[provider(id, auto_key)]
    id: InvoiceId,
    /// `faker-pg profile --table invoice --column customer_id`: every one of the 59 customers
    /// has 7 invoices (one has 6): 412 invoices, mean 6.98, one weight per customer.
    #[reference(Customer)]
    #[distributor(
        weights = [
            0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017,
            0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017,
            0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017,
            0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017,
            0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.017, 0.0146
        ],
        mean = 6.98
    )]
    customer_id: CustomerId,
    /// `faker-pg profile --table invoice --column invoice_date`: the sample's histogram (20
    /// buckets of 1/20 each, 2007-01-01 to 2011-12-22), pasted as it printed it.
    #[provider(quantiles = [
        "2007-01-01T00:00:00Z", "2007-04-04T00:00:00Z", "2007-07-06T00:00:00Z",
        "2007-09-24T00:00:00Z", "2007-12-26T00:00:00Z", "2008-03-20T00:00:00Z",
        "2008-06-21T00:00:00Z", "2008-09-22T00:00:00Z", "2008-12-19T00:00:00Z",
        "2009-03-22T00:00:00Z", "2009-06-20T00:00:00Z", "2009-09-21T00:00:00Z",
        "2009-12-23T00:00:00Z", "2010-03-25T00:00:00Z", "2010-06-26T00:00:00Z",
        "2010-09-26T00:00:00Z", "2010-12-28T00:00:00Z", "2011-03-31T00:00:00Z",
        "2011-07-02T00:00:00Z", "2011-10-03T00:00:00Z", "2011-12-22T00:00:00Z"
    ])]
    invoice_date: Day,
    #[provider(with = fake_street)]
    billing_address: String,
    #[provider(with = fake_city)]
    billing_city: String,
    /// Null shares measured like the customer's: state 0.490, postal code 0.068.
    #[provider(with = fake_state)]
    #[distributor(mean = 1, null_weight = 0.49)]
    billing_state: Option<String>,
    #[provider(with = fake_country)]
    billing_country: String,
    #[provider(with = fake_postal_code)]
    #[distributor(mean = 1, null_weight = 0.068)]
    billing_postal_code: Option<String>,
    /// Not a column: it prices the lines (see [`Catalogue`]); the JSONB mirror keeps it.
    #[provider(composite)]
    catalogue: Catalogue,
    /// Lines per invoice in the sample (`SELECT n, count(*) FROM (SELECT invoice_id, count(*)
    /// n FROM invoice_line GROUP BY 1) GROUP BY n`): 59 invoices of 1 line, 117 of 2, and 59
    /// each of 4, 6, 9 and 14, one weight per size (none of 3, 5, 7, 8, 10 to 13). Planned,
    /// 412 invoices get exactly these counts.
    #[provider(collection, range = 1..=14, weights = [59, 117, 0, 59, 0, 59, 0, 0, 59, 0, 0, 0, 0, 59])]
    lines: Vec<InvoiceLine>,
    /// The sum of the lines: set by [`Invoice::new`].
    #[provider(skip)]
    total: Money,
}

impl Invoice {
    /// Prices the lines from the catalogue and totals them. Refuses an invoice that lists a
    /// track twice (the sample has 2 240 distinct (invoice, track) pairs in 2 240 lines): the
    /// runtime draws such an invoice again, with its own planned lines given back.
    #[allow(clippy::too_many_arguments)] // one argument per drawn field
    pub fn new(
        id: InvoiceId,
        customer_id: CustomerId,
        invoice_date: Day,
        billing_address: String,
        billing_city: String,
        billing_state: Option<String>,
        billing_country: String,
        billing_postal_code: Option<String>,
        catalogue: Catalogue,
        mut lines: Vec<InvoiceLine>,
    ) -> Result<Invoice, Invalid> {
        if lines.is_empty() {
            return Err(Invalid("an invoice has a line"));
        }
        let mut tracks: Vec<TrackId> = lines.iter().map(|l| l.track_id).collect();
        tracks.sort_unstable();
        if tracks.windows(2).any(|w| w[0] == w[1]) {
            return Err(Invalid("an invoice lists a track once"));
        }
        let mut total = Money::ZERO;
        for line in &mut lines {
            line.unit_price = catalogue.price();
            total = Money::from_cents(total.cents() + line.amount().cents());
        }
        Ok(Invoice {
            id,
            customer_id,
            invoice_date,
            billing_address,
            billing_city,
            billing_state,
            billing_country,
            billing_postal_code,
            catalogue,
            lines,
            total,
        })
    }
}

/// An album's tracks share a genre and a media type (nearly: 347 albums, 361 (album, genre,
/// media type) combinations), which no single column shows: `faker-pg profile --table track
/// --column album_id --column media_type_id --column genre_id` on the sample suggests this joint
/// law over the combinations (skew fit r² 0.440, so weights), while each member keeps the law of
/// its own `#[distributor(..)]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(factory = Track::new)]
#[joint(album_id, media_type_id, genre_id, weights = [0.449, 0.319, 0.205, 0.0271], mean = 9.7)]
pub struct Track {
    #[provider(id, auto_key)]
    id: TrackId,
    #[provider(with = fake_words)]
    name: String,
    /// `faker-pg profile --table track --column album_id`: 3 503 tracks on 347 albums (mean
    /// 10.10), quartile weights 0.454 0.313 0.207 0.0257 (82 albums have a single track), skew
    /// fit r² 0.453 (so weights).
    #[reference(Album)]
    #[distributor(weights = [0.454, 0.313, 0.207, 0.0257], mean = 10.1)]
    album_id: AlbumId,
    /// `--column media_type_id`: 5 media types, one weight per value, mean 700.6.
    #[reference(MediaType)]
    #[distributor(weights = [0.866, 0.0677, 0.0611, 0.00314, 0.002], mean = 700.6)]
    media_type_id: MediaTypeId,
    /// `--column genre_id`: 25 genres, one weight per value, mean 140.12.
    #[reference(Genre)]
    #[distributor(
        weights = [
            0.37, 0.165, 0.107, 0.0948, 0.0371, 0.0265, 0.0231, 0.0211, 0.0183, 0.0174, 0.0166,
            0.0137, 0.0123, 0.0114, 0.00999, 0.00856, 0.00799, 0.00799, 0.00742, 0.00685,
            0.00485, 0.00428, 0.00371, 0.00343, 0.000285
        ],
        mean = 140.12
    )]
    genre_id: GenreId,
    /// Composer: null for 0.279 of the tracks (978 of 3 503).
    #[provider(with = fake_person_name)]
    #[distributor(mean = 1, null_weight = 0.279)]
    composer: Option<String>,
    #[provider(with = fake_milliseconds)]
    milliseconds: i64,
    #[provider(with = fake_bytes)]
    bytes: i64,
    /// `faker-pg profile --table track --column unit_price`: 0.99 for 0.939 of the tracks,
    /// 1.99 (videos) for 0.0608.
    #[provider(one_of = [Money::TRACK, Money::VIDEO], weights = [0.939, 0.0608])]
    unit_price: Money,
}

impl Track {
    #[allow(clippy::too_many_arguments)] // one argument per column of the table
    pub fn new(
        id: TrackId,
        name: String,
        album_id: AlbumId,
        media_type_id: MediaTypeId,
        genre_id: GenreId,
        composer: Option<String>,
        milliseconds: i64,
        bytes: i64,
        unit_price: Money,
    ) -> Result<Track, Invalid> {
        not_blank(&name)?;
        if milliseconds <= 0 {
            return Err(Invalid("a track lasts"));
        }
        if bytes <= 0 {
            return Err(Invalid("a track's file is not empty"));
        }
        UnitPrice::new(unit_price)?;
        Ok(Track {
            id,
            name,
            album_id,
            media_type_id,
            genre_id,
            composer,
            milliseconds,
            bytes,
            unit_price,
        })
    }
}

/// How many units of a track a line sells: at least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "i64", try_from = "i64")]
pub struct Quantity(i64);

impl Quantity {
    /// Every line of the sample sells one unit (`--column quantity`: one value, 1).
    pub const ONE: Quantity = Quantity(1);

    pub fn new(units: i64) -> Result<Quantity, Invalid> {
        if units < 1 {
            return Err(Invalid("a line sells at least one unit"));
        }
        Ok(Quantity(units))
    }

    pub fn units(self) -> i64 {
        self.0
    }
}

impl From<Quantity> for i64 {
    fn from(q: Quantity) -> i64 {
        q.0
    }
}

impl TryFrom<i64> for Quantity {
    type Error = Invalid;

    fn try_from(units: i64) -> Result<Quantity, Invalid> {
        Quantity::new(units)
    }
}

/// A line of an invoice: an entity of the [`Invoice`] aggregate (no repository of its own).
/// Every line of every invoice draws its track from one distributor, so the tracks keep
/// their law across all 2 240 lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(entity)]
pub struct InvoiceLine {
    /// `faker-pg profile --table invoice_line --column track_id`: 1 984 of the 3 503 tracks
    /// are sold (mean 1.13), quartile weights 0.336 0.221 0.221 0.221, skew fit r² 0.636 (so
    /// weights).
    #[reference(Track)]
    #[distributor(weights = [0.336, 0.221, 0.221, 0.221], mean = 1.13)]
    track_id: TrackId,
    /// Set by the invoice from its catalogue ([`Invoice::new`]).
    #[provider(skip)]
    unit_price: Money,
    #[provider(value = Quantity::ONE)]
    quantity: Quantity,
}

impl InvoiceLine {
    /// Price times quantity.
    pub fn amount(&self) -> Money {
        Money::from_cents(self.unit_price.cents() * self.quantity.units())
    }
}

//! Any continuous distribution, rescaled to a target mean and rounded to a count.

use rand::Rng;
use rand::distr::Uniform;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Pareto, Weibull};

use super::CountDistribution;
use crate::error::{ParamError, finite};

/// A continuous distribution `D` turned into counts with a chosen mean.
///
/// A draw takes `raw` from `D` and returns `max(0, round(raw / dist_mean * target_mean))`, so
/// the shape of `D` (its skewness, its tail) is kept while the average becomes
/// `target_mean`. `rand_distr` does not expose a distribution's mean, so [`Rescaled::new`]
/// takes it from the caller; the presets ([`exponential`](Rescaled::exponential),
/// [`pareto`](Rescaled::pareto), [`lognormal`](Rescaled::lognormal),
/// [`gamma`](Rescaled::gamma), [`weibull`](Rescaled::weibull),
/// [`uniform`](Rescaled::uniform)) supply the analytic one.
///
/// Rounding is to the nearest integer with halves away from zero (`2.5 → 3`); the Python
/// original rounded halves to even (`2.5 → 2`). For a continuous `raw` an exact half has
/// probability zero, so the two agree in distribution. Rounding and the clamp at 0 can move
/// the true expectation off `target_mean` by a fraction of one child; for laws spread over
/// many integers (targets of a few or more) the shift is negligible.
/// [`CountDistribution::mean`] reports `target_mean`.
///
/// Negative or NaN raw values give 0 and values beyond `u64::MAX` give `u64::MAX`.
///
/// ```
/// use faker_core::count::{CountDistribution, Rescaled};
/// use faker_core::rng::seeded;
/// use rand_distr::{Distribution, Normal};
///
/// // Presets know their distribution's mean:
/// let views = Rescaled::pareto(200.0, 2.5)?;
/// assert_eq!(views.mean(), 200.0);
///
/// // Any rand_distr distribution works when you give its mean:
/// let normal = Normal::new(10.0, 2.0).expect("valid normal");
/// let pages = Rescaled::new(normal, 10.0, 300.0)?; // Normal(300, 60), rounded
/// let mut rng = seeded(8);
/// let n: u64 = pages.sample(&mut rng);
/// assert!(n > 0);
/// assert!(Rescaled::new(normal, 0.0, 300.0).is_err());
/// # Ok::<(), faker_core::ParamError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rescaled<D> {
    dist: D,
    dist_mean: f64,
    target: f64,
}

impl<D: Distribution<f64>> Rescaled<D> {
    /// Rescales `dist`, whose mean is `dist_mean`, to counts averaging `target_mean`.
    ///
    /// `dist_mean` must be finite and `> 0` (it is a divisor, and a negative mean would turn
    /// the law upside down); `target_mean` must be finite and `>= 0`.
    pub fn new(dist: D, dist_mean: f64, target_mean: f64) -> Result<Self, ParamError> {
        let target = target(target_mean)?;
        let dist_mean = finite("dist_mean", dist_mean)?;
        if dist_mean <= 0.0 {
            return Err(ParamError::OutOfRange {
                param: "dist_mean",
                value: dist_mean,
                expected: "the distribution's mean must be > 0 to rescale it to a count",
            });
        }
        Ok(Rescaled {
            dist,
            dist_mean,
            target,
        })
    }

    /// The wrapped distribution.
    pub fn distribution(&self) -> &D {
        &self.dist
    }

    /// The wrapped distribution's mean, as given.
    pub fn dist_mean(&self) -> f64 {
        self.dist_mean
    }
}

impl Rescaled<Exp<f64>> {
    /// Exponential counts (rate 1, mean 1): memoryless, most parents near zero, a long but
    /// thin tail. The standard deviation equals the mean.
    pub fn exponential(target_mean: f64) -> Result<Self, ParamError> {
        target(target_mean)?;
        let dist = Exp::new(1.0).map_err(|_| internal("lambda"))?;
        Rescaled::new(dist, 1.0, target_mean)
    }
}

impl Rescaled<Pareto<f64>> {
    /// Pareto counts (scale 1, shape `alpha`, mean `alpha / (alpha - 1)`): a heavy tail, a
    /// few parents with huge counts. `alpha` must be `> 1` (at or below 1 the mean is
    /// infinite); below 2 the variance is infinite and sample averages converge slowly.
    pub fn pareto(target_mean: f64, alpha: f64) -> Result<Self, ParamError> {
        target(target_mean)?;
        let alpha = finite("alpha", alpha)?;
        if alpha <= 1.0 {
            return Err(ParamError::OutOfRange {
                param: "alpha",
                value: alpha,
                expected: "a Pareto `alpha` must be > 1, otherwise its mean is infinite",
            });
        }
        let dist = Pareto::new(1.0, alpha).map_err(|_| internal("alpha"))?;
        Rescaled::new(dist, alpha / (alpha - 1.0), target_mean)
    }
}

impl Rescaled<LogNormal<f64>> {
    /// Log-normal counts (`exp(Normal(0, sigma))`, mean `exp(sigma² / 2)`): right-skewed,
    /// more so as `sigma` grows. `sigma` must be `>= 0` and small enough for the mean to be
    /// finite (below about 37).
    pub fn lognormal(target_mean: f64, sigma: f64) -> Result<Self, ParamError> {
        target(target_mean)?;
        let sigma = finite("sigma", sigma)?;
        let dist_mean = libm::exp(sigma * sigma / 2.0);
        if sigma < 0.0 || !dist_mean.is_finite() {
            return Err(ParamError::OutOfRange {
                param: "sigma",
                value: sigma,
                expected: "a log-normal `sigma` must be >= 0 and below about 37 (so that its \
                           mean exp(sigma²/2) is finite)",
            });
        }
        let dist = LogNormal::new(0.0, sigma).map_err(|_| internal("sigma"))?;
        Rescaled::new(dist, dist_mean, target_mean)
    }
}

impl Rescaled<Gamma<f64>> {
    /// Gamma counts (shape `shape`, scale 1, mean `shape`): `shape = 1` is exponential, large
    /// shapes approach a normal curve around the mean. `shape` must be `> 0`.
    pub fn gamma(target_mean: f64, shape: f64) -> Result<Self, ParamError> {
        target(target_mean)?;
        let shape = finite("shape", shape)?;
        if shape <= 0.0 {
            return Err(ParamError::OutOfRange {
                param: "shape",
                value: shape,
                expected: "a gamma `shape` must be > 0",
            });
        }
        let dist = Gamma::new(shape, 1.0).map_err(|_| internal("shape"))?;
        Rescaled::new(dist, shape, target_mean)
    }
}

impl Rescaled<Weibull<f64>> {
    /// Weibull counts (scale 1, shape `k`, mean `Γ(1 + 1/k)`): `k < 1` is heavy-tailed,
    /// `k = 1` exponential, `k > 1` humped. `k` must be `> 0` and not so small that the mean
    /// overflows (`k` above about 0.006).
    pub fn weibull(target_mean: f64, k: f64) -> Result<Self, ParamError> {
        target(target_mean)?;
        let k = finite("k", k)?;
        let dist_mean = if k > 0.0 {
            libm::tgamma(1.0 + 1.0 / k)
        } else {
            f64::NAN
        };
        if !dist_mean.is_finite() {
            return Err(ParamError::OutOfRange {
                param: "k",
                value: k,
                expected: "a Weibull shape `k` must be > 0 and above about 0.006 (so that its \
                           mean Γ(1 + 1/k) is finite)",
            });
        }
        let dist = Weibull::new(1.0, k).map_err(|_| internal("k"))?;
        Rescaled::new(dist, dist_mean, target_mean)
    }
}

impl Rescaled<Uniform<f64>> {
    /// Uniform counts on `target_mean · (1 ± spread)`: every parent gets close to the mean.
    /// `spread` must lie in `[0, 1)`; 0 gives `round(target_mean)` every time.
    pub fn uniform(target_mean: f64, spread: f64) -> Result<Self, ParamError> {
        target(target_mean)?;
        let spread = finite("spread", spread)?;
        if !(0.0..1.0).contains(&spread) {
            return Err(ParamError::OutOfRange {
                param: "spread",
                value: spread,
                expected: "`spread` must lie in [0, 1): counts are uniform on \
                           mean · (1 - spread) ..= mean · (1 + spread)",
            });
        }
        // Uniform on 1 ± spread (mean 1) rescaled by the target: the same law as uniform on
        // target · (1 ± spread), and it stays valid for a target of 0.
        let dist =
            Uniform::new_inclusive(1.0 - spread, 1.0 + spread).map_err(|_| internal("spread"))?;
        Rescaled::new(dist, 1.0, target_mean)
    }
}

/// Validates the target mean: finite and `>= 0`.
fn target(target_mean: f64) -> Result<f64, ParamError> {
    let target = finite("mean", target_mean)?;
    if target < 0.0 {
        return Err(ParamError::Negative {
            param: "mean",
            value: target,
        });
    }
    Ok(target)
}

/// A `rand_distr` constructor refused parameters this module already validated. Kept as an
/// error rather than a panic so a future `rand_distr` rule change cannot crash a generator.
fn internal(param: &'static str) -> ParamError {
    ParamError::OutOfRange {
        param,
        value: f64::NAN,
        expected: "a value the underlying rand_distr distribution accepts",
    }
}

impl<D: Distribution<f64>> Distribution<u64> for Rescaled<D> {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let raw = self.dist.sample(rng);
        // Divide first, as the original does, so `raw == dist_mean` maps exactly to the target.
        let count = libm::round(raw / self.dist_mean * self.target);
        // NaN and negatives fail `> 0` and give 0; `as` saturates at u64::MAX.
        if count > 0.0 { count as u64 } else { 0 }
    }
}

impl<D: Distribution<f64>> CountDistribution for Rescaled<D> {
    /// The target mean (see the type docs on rounding).
    fn mean(&self) -> f64 {
        self.target
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;
    use rand_distr::Normal;

    /// A distribution that always returns the same value.
    #[derive(Debug, Clone, Copy)]
    struct Constant(f64);

    impl Distribution<f64> for Constant {
        fn sample<R: Rng + ?Sized>(&self, _rng: &mut R) -> f64 {
            self.0
        }
    }

    fn once(value: f64, dist_mean: f64, target: f64) -> u64 {
        let d = Rescaled::new(Constant(value), dist_mean, target).unwrap();
        d.sample(&mut seeded(0))
    }

    #[test]
    fn validation() {
        let c = Constant(1.0);
        for bad in [f64::NAN, f64::INFINITY] {
            assert!(matches!(
                Rescaled::new(c, 1.0, bad),
                Err(ParamError::NotFinite { param: "mean", .. })
            ));
            assert!(matches!(
                Rescaled::new(c, bad, 1.0),
                Err(ParamError::NotFinite {
                    param: "dist_mean",
                    ..
                })
            ));
        }
        assert!(matches!(
            Rescaled::new(c, 1.0, -1.0),
            Err(ParamError::Negative {
                param: "mean",
                value: -1.0
            })
        ));
        for bad in [0.0, -2.0] {
            assert!(matches!(
                Rescaled::new(c, bad, 1.0),
                Err(ParamError::OutOfRange {
                    param: "dist_mean",
                    ..
                })
            ));
        }
        // Every preset checks the target.
        assert!(Rescaled::exponential(-1.0).is_err());
        assert!(Rescaled::pareto(f64::NAN, 3.0).is_err());
        assert!(Rescaled::lognormal(-1.0, 1.0).is_err());
        assert!(Rescaled::gamma(f64::INFINITY, 2.0).is_err());
        assert!(Rescaled::weibull(-0.1, 1.5).is_err());
        assert!(Rescaled::uniform(-5.0, 0.5).is_err());
    }

    #[test]
    fn preset_parameter_validation() {
        let out_of_range = |r: Result<(), ParamError>, want: &str| match r {
            Err(ParamError::OutOfRange { param, .. })
            | Err(ParamError::NotFinite { param, .. }) => {
                assert_eq!(param, want)
            }
            other => panic!("{want}: {other:?}"),
        };
        for alpha in [1.0, 0.5, -3.0, f64::NAN] {
            out_of_range(Rescaled::pareto(50.0, alpha).map(drop), "alpha");
        }
        for sigma in [-1.0, 40.0, f64::INFINITY] {
            out_of_range(Rescaled::lognormal(50.0, sigma).map(drop), "sigma");
        }
        for shape in [0.0, -1.0, f64::NAN] {
            out_of_range(Rescaled::gamma(50.0, shape).map(drop), "shape");
        }
        for k in [0.0, -1.0, 0.001, f64::NAN] {
            out_of_range(Rescaled::weibull(50.0, k).map(drop), "k");
        }
        for spread in [1.0, 1.5, -0.1, f64::NAN] {
            out_of_range(Rescaled::uniform(50.0, spread).map(drop), "spread");
        }
        assert!(Rescaled::lognormal(50.0, 0.0).is_ok());
        assert!(Rescaled::uniform(50.0, 0.0).is_ok());
        assert!(Rescaled::pareto(50.0, 1.0001).is_ok());
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(once(2.5, 1.0, 1.0), 3);
        assert_eq!(once(3.5, 1.0, 1.0), 4);
        assert_eq!(once(2.4999, 1.0, 1.0), 2);
        assert_eq!(once(0.5, 1.0, 1.0), 1);
        // raw / dist_mean * target: 3 / 2 * 5 = 7.5 → 8
        assert_eq!(once(3.0, 2.0, 5.0), 8);
    }

    #[test]
    fn degenerate_raw_values() {
        assert_eq!(once(-7.0, 1.0, 1.0), 0);
        assert_eq!(once(-0.4, 1.0, 1.0), 0);
        assert_eq!(once(f64::NAN, 1.0, 1.0), 0);
        assert_eq!(once(f64::INFINITY, 1.0, 1.0), u64::MAX);
        assert_eq!(once(1e30, 1.0, 1.0), u64::MAX);
        assert_eq!(once(5.0, 1.0, 0.0), 0);
    }

    #[test]
    fn uniform_spread_stays_within_bounds() {
        let d = Rescaled::uniform(50.0, 0.2).unwrap();
        let mut rng = seeded(41);
        for _ in 0..100_000 {
            let n = d.sample(&mut rng);
            assert!((40..=60).contains(&n), "{n}");
        }
        let d = Rescaled::uniform(50.0, 0.0).unwrap();
        assert!((0..100).all(|_| d.sample(&mut rng) == 50));
    }

    #[test]
    fn custom_distribution() {
        // Normal(10, 2) rescaled to 30 is Normal(30, 6), rounded.
        let d = Rescaled::new(Normal::new(10.0, 2.0).unwrap(), 10.0, 30.0).unwrap();
        let mut rng = seeded(42);
        let n = 100_000;
        let avg = (0..n).map(|_| d.sample(&mut rng)).sum::<u64>() as f64 / n as f64;
        // sd of the average: 6 / sqrt(100k) = 0.019.
        assert!((avg - 30.0).abs() < 0.1, "{avg}");
        assert_eq!(d.mean(), 30.0);
        assert_eq!(d.dist_mean(), 10.0);
    }

    /// Acceptance: every preset at target 50 averages within ±3% (±1.5) over 200 000 draws.
    ///
    /// The tolerance in standard deviations of the average, `50 · cv / sqrt(200k)` with `cv`
    /// the coefficient of variation of the raw law:
    ///
    /// * exponential: cv 1, sd 0.11, so ±1.5 is 13 sd;
    /// * lognormal(σ = 1): cv sqrt(e - 1) = 1.31, sd 0.15, 10 sd;
    /// * gamma(2): cv 0.71, 19 sd; weibull(1.5): cv 0.68, 20 sd; uniform(±0.5): cv 0.29, 46 sd;
    /// * pareto(α = 3): cv = 1/sqrt(α(α-2)) = 0.58, sd 0.065, 23 sd. Its third moment is
    ///   infinite, so the average's distribution is skewed by rare huge draws and the normal
    ///   estimate is optimistic; but to push the average up by 1.5 alone a single draw would
    ///   need raw ≈ 9 000 (count 300 000), probability 9000^-3 ≈ 1.4e-12 per draw, 3e-7 over
    ///   the run. So ±3% holds for α = 3 without loosening; it would not for α < 2, where the
    ///   variance is infinite and averages converge like n^(1/α - 1).
    ///
    /// Rounding adds a bias well under 0.01 at a target of 50 (the densities are smooth over
    /// many integers).
    #[test]
    fn acceptance_presets_average_to_target() {
        fn average<D: Distribution<f64>>(d: &Rescaled<D>, seed: u64) -> f64 {
            let mut rng = seeded(seed);
            let n = 200_000;
            (0..n).map(|_| d.sample(&mut rng)).sum::<u64>() as f64 / n as f64
        }
        let target = 50.0;
        let averages = [
            (
                "exponential",
                average(&Rescaled::exponential(target).unwrap(), 51),
            ),
            (
                "pareto(3)",
                average(&Rescaled::pareto(target, 3.0).unwrap(), 52),
            ),
            (
                "lognormal(1)",
                average(&Rescaled::lognormal(target, 1.0).unwrap(), 53),
            ),
            (
                "gamma(2)",
                average(&Rescaled::gamma(target, 2.0).unwrap(), 54),
            ),
            (
                "weibull(1.5)",
                average(&Rescaled::weibull(target, 1.5).unwrap(), 55),
            ),
            (
                "uniform(0.5)",
                average(&Rescaled::uniform(target, 0.5).unwrap(), 56),
            ),
        ];
        for (name, avg) in averages {
            println!("Rescaled::{name} to 50: average {avg:.4}");
            assert!((avg - target).abs() <= 0.03 * target, "{name}: {avg}");
        }
    }

    #[test]
    fn analytic_means() {
        assert_eq!(Rescaled::pareto(1.0, 3.0).unwrap().dist_mean(), 1.5);
        assert!((Rescaled::lognormal(1.0, 1.0).unwrap().dist_mean() - 1.6487212707).abs() < 1e-9);
        assert_eq!(Rescaled::gamma(1.0, 2.5).unwrap().dist_mean(), 2.5);
        // Γ(1 + 1/2) = sqrt(π)/2; Weibull(k = 1) is the exponential, mean 1.
        let w = Rescaled::weibull(1.0, 2.0).unwrap().dist_mean();
        assert!((w - 0.886_226_925_452_758).abs() < 1e-12);
        assert!((Rescaled::weibull(1.0, 1.0).unwrap().dist_mean() - 1.0).abs() < 1e-12);
    }
}

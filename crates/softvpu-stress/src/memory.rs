//! The process's resident memory, as the kernel reports it (Linux `/proc/self/status`).

/// Resident set size now and its peak so far, in KiB; `None` where `/proc` is missing.
pub fn resident_kib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Resident memory sampled over a long run: the level once warmed up, and how far it
/// rose after that.
#[derive(Debug, Default, Clone, Copy)]
pub struct Trace {
    /// Resident KiB at the end of the warm-up.
    pub after_warmup: Option<u64>,
    /// The highest resident KiB sampled after the warm-up.
    pub highest_after: u64,
    /// The process's peak resident KiB.
    pub peak: u64,
    pub last: u64,
}

impl Trace {
    /// Records a sample; `warm` says whether the warm-up is over.
    pub fn sample(&mut self, warm: bool) {
        let Some((now, peak)) = resident_kib() else {
            return;
        };
        self.peak = peak;
        self.last = now;
        if warm {
            let base = *self.after_warmup.get_or_insert(now);
            self.highest_after = self.highest_after.max(now).max(base);
        }
    }

    /// KiB the resident set grew after the warm-up.
    pub fn growth(&self) -> u64 {
        self.after_warmup
            .map_or(0, |base| self.highest_after.saturating_sub(base))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_allocation_shows_as_growth() {
        let mut trace = Trace::default();
        trace.sample(true);
        let Some(base) = trace.after_warmup else {
            return; // no /proc here
        };
        assert!(base > 0 && trace.peak >= base);
        let held = std::hint::black_box(vec![1u8; 64 << 20]);
        trace.sample(true);
        assert!(trace.growth() >= 60 << 10, "{trace:?}");
        drop(held);
    }
}

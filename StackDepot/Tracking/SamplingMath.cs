namespace StackDepot.Tracking;

/// <summary>
/// The arithmetic of byte-based sampling with exponentially distributed intervals (as in Go's <c>runtime.MemProfileRate</c>
/// and pprof): each allocation of <c>s</c> bytes is sampled with probability <c>1 - exp(-s/R)</c>, independently of
/// every other allocation, and a sample stands for <c>1/p</c> allocations.
/// </summary>
internal static class SamplingMath
{
    /// <summary>Largest interval drawn, so that a countdown never overflows.</summary>
    internal const long MaxInterval = long.MaxValue / 4;

    /// <summary>Advances a SplitMix64 state and returns the next 64 random bits.</summary>
    internal static ulong NextRandom(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// Bytes until the next sample: <c>ceil(X)</c> with <c>X ~ Exponential(mean = rate)</c>, at least 1. Taking the
    /// ceiling keeps the law exact for whole byte counts: a countdown <c>C</c> is at most <c>s</c> exactly when
    /// <c>X &lt;= s</c>, so an allocation of <c>s</c> bytes is sampled with probability <c>1 - exp(-s/rate)</c>.
    /// A rate of 1 samples every allocation.
    /// </summary>
    internal static long NextInterval(ref ulong state, long rate)
    {
        if (rate <= 1)
        {
            return 1;
        }

        double u = (NextRandom(ref state) >> 11) * (1.0 / (1UL << 53)); // uniform in [0, 1)
        double x = -Math.Log(1.0 - u) * rate;                              // 1 - u is in (0, 1]
        if (x >= MaxInterval)
        {
            return MaxInterval;
        }

        long interval = (long)Math.Ceiling(x);
        return interval < 1 ? 1 : interval;
    }

    /// <summary>The probability that an allocation of <paramref name="bytes"/> is sampled at <paramref name="rate"/>.</summary>
    internal static double Probability(long bytes, long rate)
    {
        if (rate <= 1)
        {
            return bytes > 0 ? 1.0 : 0.0;
        }

        double x = (double)bytes / rate;

        // 1 - exp(-x) loses digits when x is tiny (about 11 significant digits remain at x = 1e-5); below that
        // the first terms of the series are exact to double precision.
        return x < 1e-5 ? x * (1 - x * (0.5 - x / 6)) : 1.0 - Math.Exp(-x);
    }

    /// <summary>The number of allocations one sample of <paramref name="bytes"/> stands for: <c>1/p</c>.</summary>
    internal static double Weight(long bytes, long rate)
    {
        double p = Probability(bytes, rate);
        return p > 0 ? 1.0 / p : 0.0;
    }
}

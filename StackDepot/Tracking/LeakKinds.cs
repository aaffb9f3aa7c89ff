namespace StackDepot.Tracking;

/// <summary>Which objects a leak report lists.</summary>
[Flags]
public enum LeakKinds
{
    /// <summary>Objects the garbage collector reclaimed without a <see cref="LeakTracker.Release"/>: definite
    /// leaks (their dispose path never ran).</summary>
    Leaked = 1,

    /// <summary>Objects still alive and not released: in use, or leaked and not yet collected.</summary>
    Outstanding = 2,

    /// <summary>Both.</summary>
    All = Leaked | Outstanding,
}

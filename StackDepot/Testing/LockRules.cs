using System.Diagnostics;
using System.Runtime.CompilerServices;
using StackDepot.Reclamation;

namespace StackDepot.Testing;

/// <summary>
/// Checkable locking and read-section rules, in the spirit of the kernel's <c>lockdep_assert_held</c> and Go's
/// <c>assertLockHeld</c>: every helper that needs the insert lock is named <c>...Locked</c> and calls
/// <see cref="AssertHeld"/>; every raw read of a refcounted record reached through a link is preceded by
/// <see cref="AssertProtected"/>. The checks run in debug builds (as <see cref="Debug.Assert(bool, string)"/>s) and in
/// processes with test hooks enabled (they throw, so the Release test suite checks them); elsewhere the condition is
/// a constant false and they compile to nothing, arguments included.
/// </summary>
internal static class LockRules
{
#if DEBUG
    private const bool DebugBuild = true;
#else
    private const bool DebugBuild = false;
#endif

    /// <summary>The calling thread holds <paramref name="insertLock"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AssertHeld(Lock insertLock)
    {
        if (DebugBuild || DepotTestControls.Enabled)
        {
            bool held = insertLock.IsHeldByCurrentThread;
            Debug.Assert(held, "the insert lock is not held");
            if (!held)
            {
                Fail("the insert lock is not held by this thread");
            }
        }
    }

    /// <summary>A refcounted record reached through a link may be freed and reused by another thread unless the
    /// caller is inside a read section of the record's depot (<paramref name="reader"/> in
    /// <paramref name="domain"/>) or, with no reader, holds <paramref name="insertLock"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AssertProtected(EpochDomain domain, EpochSlot? reader, Lock insertLock, uint value)
    {
        if (DebugBuild || DepotTestControls.Enabled)
        {
            bool isProtected = reader is null ? insertLock.IsHeldByCurrentThread : domain.IsInSection(reader);
            Debug.Assert(isProtected, "a refcounted record is read outside a read section and without the insert lock");
            if (!isProtected)
            {
                Fail($"refcounted record {value:x8} is read outside a read section and without the insert lock");
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Fail(string rule) => throw new InvalidOperationException($"StackDepot internal error: {rule}.");
}

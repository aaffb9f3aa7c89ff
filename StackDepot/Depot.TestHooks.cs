using System.Runtime.CompilerServices;
using StackDepot.Hashing;
using StackDepot.Storage;
using StackDepot.Testing;

namespace StackDepot;

/// <content>Test-only members (internal): the hook and protection switches, and views of the depot's inside. The
/// hook and switches are read only where the runtime switch <c>StackDepot.EnableTestHooks</c> is set.</content>
public sealed unsafe partial class Depot
{
    /// <summary>Test-only: called at each <see cref="DepotHookPoint"/> with the record's handle value.</summary>
    internal Action<DepotHookPoint, uint>? TestHook
    {
        get => _test.Hook;
        set => _test.Hook = value;
    }

    /// <summary>Test-only: protections switched off, to prove that the tests guarding them have teeth.</summary>
    internal DepotProtections DisabledProtections
    {
        get => _test.Disabled;
        set => _test.Disabled = value;
    }

    /// <summary>Test-only: the bucket table.</summary>
    internal BucketTable Table => _table;

    /// <summary>Test-only: the hash seed in use.</summary>
    internal ulong HashSeed => _seed;

    /// <summary>Test-only: the sizes derived from the options.</summary>
    internal DepotGeometry Geometry => _geometry;

    private Action<DepotHookPoint, uint>? Hook
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => DepotTestControls.HookOf(_test);
    }

    /// <summary>Runs the test hook, if any, at <paramref name="point"/> (for the depot's helpers outside this class).</summary>
    internal void RunTestHook(DepotHookPoint point, uint value = 0) => Hook?.Invoke(point, value);

    /// <summary>True when a test switched <paramref name="protection"/> off (never outside test processes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsOff(DepotProtections protection) => DepotTestControls.IsOff(_test, protection);

    /// <summary>Test-only: holds the insert lock until the returned scope is disposed (proves lookups take no lock).</summary>
    internal Lock.Scope HoldInsertLock() => _locked.Lock.EnterScope();

    /// <summary>Test-only: true when the calling thread holds the insert lock.</summary>
    internal bool InsertLockHeldByCurrentThread => _locked.Lock.IsHeldByCurrentThread;

    /// <summary>Test-only: true when the handle names a refcounted (evictable) record.</summary>
    internal static bool IsRefcountedHandle(StackHandle handle) => HandleLayout.IsRefcounted(handle.Value);

    /// <summary>Test-only: the slot number of a refcounted handle.</summary>
    internal uint SlotOf(StackHandle handle) => _layout.SlotOf(handle.Value);

    /// <summary>Test-only: the generation bits of a refcounted handle.</summary>
    internal uint GenerationOf(StackHandle handle) => _layout.GenerationOf(handle.Value);

    /// <summary>Test-only: builds a refcounted handle value for a slot and generation.</summary>
    internal StackHandle MakeRefcountedHandle(uint slot, uint generation) => new(_layout.MakeRefcounted(slot, generation));

    /// <summary>Test-only: the bucket a stack hashes to.</summary>
    internal uint BucketOf(ReadOnlySpan<ulong> frames) =>
        (uint)(_hasher.Hash(frames.Length > _maxFrames ? frames[.._maxFrames] : frames) >> 32) & _bucketMask;

    /// <summary>Test-only: handle values of the records linked in a bucket, head first (taken under the lock).</summary>
    internal List<uint> ChainOf(uint bucket)
    {
        var chain = new List<uint>();
        lock (_locked.Lock)
        {
            for (uint value = _buckets[bucket]; value != 0; value = RecordHeader.Next(Resolve(value)))
            {
                chain.Add(value);
            }
        }

        return chain;
    }

    /// <summary>Test-only: the current reference count of a refcounted handle's slot (saturated = uint.MaxValue).</summary>
    internal uint CountOf(StackHandle handle) =>
        RecordHeader.CountOf(Volatile.Read(ref RecordHeader.State(Resolve(handle.Value)))); // acquire: pairs with the CAS in TryAcquire/Release
}

using System.Runtime.CompilerServices;
using StackDepot.Reclamation;
using StackDepot.Storage;
using StackDepot.Testing;

namespace StackDepot;

/// <content>Lookups, which take no lock: the bucket walk, the three passes, fetching, and resolving handles to
/// records.</content>
public sealed unsafe partial class Depot
{
    /// <summary>
    /// The lock-free lookup of a stack in its bucket. A prefix of persistent records is walked without any
    /// protection: they are never unlinked, freed or changed once published. At the first refcounted link the
    /// walk goes on in a read section (<see cref="FindInSection"/>).
    /// </summary>
    private uint Find(uint bucket, ulong key, ReadOnlySpan<ulong> frames, bool get, EpochSlot reader)
    {
        Action<DepotHookPoint, uint>? hook = Hook;
        hook?.Invoke(DepotHookPoint.LookupStart, bucket);
        uint value = Volatile.Read(ref _buckets[bucket]); // acquire: pairs with the Volatile.Write that publishes (InitRecordLocked) or unlinks (UnlinkLocked) a record
        while (value != 0)
        {
            if (HandleLayout.IsRefcounted(value))
            {
                return FindInSection(bucket, value, key, frames, get, reader);
            }

            ulong* record = ResolveLocation(value);
            hook?.Invoke(DepotHookPoint.LookupVisitRecord, value);
            uint matched = value;
            if (RecordHeader.Key(record) == key && TryMatch(ref matched, record, key, frames, get, hook))
            {
                return matched;
            }

            value = Volatile.Read(ref RecordHeader.Next(record)); // acquire: pairs with the Volatile.Write of a link in InitRecordLocked
        }

        return 0;
    }

    /// <summary>
    /// The rest of a lock-free lookup, from the first refcounted link: the reader enters a read section and walks
    /// again from the bucket head, because <paramref name="unprotectedLink"/> was read while nothing protected it: its
    /// record may already have been freed, passed a grace period this reader did not hold back, and been relinked
    /// elsewhere.
    /// </summary>
    private uint FindInSection(uint bucket, uint unprotectedLink, ulong key, ReadOnlySpan<ulong> frames, bool get, EpochSlot reader)
    {
        Hook?.Invoke(DepotHookPoint.LookupBeforeAnnounce, unprotectedLink);
        using ReadSection section = _epochs.Enter(reader);
        uint first = IsOff(DepotProtections.RestartAfterAnnounce)
            ? unprotectedLink // broken variant (test-only): carries on from the link read before the announcement
            : Volatile.Read(ref _buckets[bucket]); // acquire: as in Find, now inside the section
        return WalkProtected(first, key, frames, get, reader);
    }

    /// <summary>
    /// Looks the stack up again under the insert lock: no record can be unlinked or reused by another thread then,
    /// so no read section is needed.
    /// </summary>
    private uint FindLocked(uint bucket, ulong key, ReadOnlySpan<ulong> frames, bool get)
    {
        LockRules.AssertHeld(_locked.Lock);
        return WalkProtected(_buckets[bucket], key, frames, get, reader: null);
    }

    /// <summary>
    /// Walks a chain from <paramref name="value"/>, every record of which is protected: the walker is inside
    /// <paramref name="reader"/>'s read section, or (<paramref name="reader"/> null) holds the insert lock.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint WalkProtected(uint value, ulong key, ReadOnlySpan<ulong> frames, bool get, EpochSlot? reader)
    {
        Action<DepotHookPoint, uint>? hook = Hook;
        while (value != 0)
        {
            if (HandleLayout.IsRefcounted(value))
            {
                LockRules.AssertProtected(_epochs, reader, _locked.Lock, value);
            }

            ulong* record = Resolve(value);
            hook?.Invoke(DepotHookPoint.LookupVisitRecord, value);

            // Pass 1: hash and length, one 64-bit read of a word that is immutable while the record is linked.
            uint matched = value;
            if (RecordHeader.Key(record) == key && TryMatch(ref matched, record, key, frames, get, hook))
            {
                return matched;
            }

            // An unlinked record keeps its link, so a reader standing on it walks on; the grace period keeps it
            // from being relinked elsewhere while this reader is in its section.
            value = Volatile.Read(ref RecordHeader.Next(record)); // acquire: pairs with the Volatile.Write of a link in InitRecordLocked and UnlinkLocked
        }

        return 0;
    }

    /// <summary>Passes 2 and 3 for a record whose hash and length matched. On success <paramref name="value"/> is
    /// the handle of the record the reference was taken on.</summary>
    private bool TryMatch(ref uint value, ulong* record, ulong key, ReadOnlySpan<ulong> frames, bool get, Action<DepotHookPoint, uint>? hook)
    {
        hook?.Invoke(DepotHookPoint.LookupAfterHashMatch, value);

        // Pass 2: a refcounted record is used only under a reference taken while its count is not zero (zero
        // means its last Put is unlinking it). Persistent and pinned records are never freed: no reference needed.
        bool referenced = false;
        if (HandleLayout.IsRefcounted(value))
        {
            AcquireOutcome acquired = TryAcquire(record, out uint generation);
            if (acquired == AcquireOutcome.Failed)
            {
                return false;
            }

            referenced = acquired == AcquireOutcome.Referenced;

            // The reference went to whatever the slot holds now, which is not the record of pass 1 if that one was
            // freed and its slot reused since. From here on, name the record referenced: the undo below must
            // release it (a put with the stale handle would be refused and leak the reference), and a match must
            // return its handle, not the stale one read in the chain.
            value = _layout.MakeRefcounted(_layout.SlotOf(value), generation);
        }

        hook?.Invoke(DepotHookPoint.LookupAfterReference, value);

        // Pass 3: the full compare, now that the record cannot be freed under us. Pass 1 may have seen a record
        // that was since freed and reused for another stack.
        bool same = IsOff(DepotProtections.FinalCompare)
            || (RecordHeader.Key(record) == key
                && new ReadOnlySpan<ulong>(RecordHeader.Frames(record), frames.Length).SequenceEqual(frames));
        if (!same)
        {
            if (referenced)
            {
                Release(value, record); // undo; frees the record if that was its last reference
            }

            return false;
        }

        if (referenced && !get)
        {
            Pin(record); // a persistent save of a refcounted stack: the record becomes persistent, our reference included
        }
        else if (get && !referenced)
        {
            MarkHandedOutWithGet(record); // persistent or saturated: a put of this handle is now a legitimate no-op
        }

        return true;
    }

    /// <summary>Pass 2. <paramref name="generation"/> is the generation of the record the outcome applies to.</summary>
    private AcquireOutcome TryAcquire(ulong* record, out uint generation)
    {
        ref long state = ref RecordHeader.State(record);
        if (IsOff(DepotProtections.IncrementNotZero))
        {
            // Broken variant (test-only): increments even a zero count, resurrecting a record being freed.
            generation = RecordHeader.TagOf(Interlocked.Increment(ref state)); // full fence: pairs with the CAS in Release (deliberately unconditional here)
            return AcquireOutcome.Referenced;
        }

        long seen = Volatile.Read(ref state); // acquire: pairs with the release in InitRecordLocked and FreeRecord, and the CAS in Release
        while (true)
        {
            generation = RecordHeader.TagOf(seen);
            uint count = RecordHeader.CountOf(seen);
            if (count == RecordHeader.Saturated)
            {
                return AcquireOutcome.Saturated;
            }

            if (count == 0)
            {
                return AcquireOutcome.Failed;
            }

            long next = count + 1 == RecordHeader.Saturated
                ? RecordHeader.MakeState(RecordHeader.TagOf(seen) | RecordHeader.FlagHandedOutWithGet, RecordHeader.Saturated) // overflow pins, and the references taken with Get may still be put
                : seen + 1;
            long prior = Interlocked.CompareExchange(ref state, next, seen); // full fence: pairs with the CAS in Release and Pin; fails if the count or generation moved
            if (prior == seen)
            {
                if (count + 1 == RecordHeader.Saturated)
                {
                    Interlocked.Increment(ref _pinned); // pairs with the Volatile.Read in Snapshot; an overflowing count saturates (pins), as in the kernel
                    return AcquireOutcome.Saturated;
                }

                return AcquireOutcome.Referenced;
            }

            seen = prior;
        }
    }

    private bool TryFetchCore(StackHandle handle, Span<ulong> destination, out int frameCount)
    {
        frameCount = 0;
        uint value = handle.Value;
        if (value == 0)
        {
            return false;
        }

        if (!HandleLayout.IsRefcounted(value))
        {
            // Persistent records never change once published; no read section is needed.
            ulong* persistent = _persistent.TryResolveChecked(value, _maxFrames);
            return persistent != null && CopyOut(persistent, destination, out frameCount);
        }

        ulong* record = _refcounted.TryResolveChecked(value & _slotMask);
        if (record == null)
        {
            return false;
        }

        // While the section is open, a record freed after the check below cannot be reused under the copy.
        using ReadSection section = _epochs.Enter(EpochSlotRegistry.Current);
        long state = Volatile.Read(ref RecordHeader.State(record)); // acquire: pairs with the release in InitRecordLocked and FreeRecord
        if (RecordHeader.CountOf(state) == 0 || !_layout.GenerationMatches(value, RecordHeader.TagOf(state)))
        {
            return false;
        }

        Hook?.Invoke(DepotHookPoint.FetchInSection, value);
        return CopyOut(record, destination, out frameCount);
    }

    private static bool CopyOut(ulong* record, Span<ulong> destination, out int frameCount)
    {
        int size = RecordHeader.SizeOf(RecordHeader.Key(record));
        frameCount = size;
        if (destination.Length < size)
        {
            return false;
        }

        new ReadOnlySpan<ulong>(RecordHeader.Frames(record), size).CopyTo(destination);
        return true;
    }

    /// <summary>Resolves a trusted handle value (read from a chain, or checked already) to its record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong* Resolve(uint value) =>
        HandleLayout.IsRefcounted(value) ? ResolveSlot(value & _slotMask) : ResolveLocation(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong* ResolveSlot(uint slot) =>
        (ulong*)_slotPools[slot >> _slotsShift] + ((slot & _slotsMask) * _slotWords);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong* ResolveLocation(uint location) =>
        (ulong*)_persistentPools[location >> _persistentShift] + (location & _persistentMask);

    private enum AcquireOutcome
    {
        Failed,
        Referenced,
        Saturated,
    }
}

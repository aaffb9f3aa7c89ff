using StackDepot.Diagnostics;
using StackDepot.Hashing;
using StackDepot.Reclamation;
using StackDepot.Storage;
using StackDepot.Testing;

namespace StackDepot;

/// <content>Dropping references: puts, pinning, and freeing a record (unlink, then retire its slot to the
/// grace-period queue).</content>
public sealed unsafe partial class Depot
{
    private void PutCore(StackHandle handle)
    {
        uint value = handle.Value;
        if (value == 0)
        {
            return;
        }

        if (!HandleLayout.IsRefcounted(value))
        {
            ulong* persistent = _persistent.TryResolveChecked(value, _maxFrames);
            if (persistent == null)
            {
                throw Refused<ArgumentException>(handle, "it does not name a stack in this depot (forged, or from another depot)");
            }

            long persistentState = Volatile.Read(ref RecordHeader.State(persistent)); // acquire: pairs with the Interlocked.Or in MarkHandedOutWithGet
            if ((RecordHeader.TagOf(persistentState) & RecordHeader.FlagHandedOutWithGet) == 0)
            {
                throw Refused<InvalidOperationException>(handle, SavedWithoutGet);
            }

            _counters.Of(EpochSlotRegistry.Current.Index).Puts++;
            return;
        }

        ulong* record = _refcounted.TryResolveChecked(value & _slotMask);
        if (record == null)
        {
            throw Refused<ArgumentException>(handle, "it does not name a stack in this depot (forged, or from another depot)");
        }

        ReleaseOutcome released = Release(value, record);
        if (released == ReleaseOutcome.Stale)
        {
            throw Refused<InvalidOperationException>(handle, "unbalanced put: its record was already freed (a second put, or a put after the last one)");
        }

        if (released == ReleaseOutcome.NotHandedOutWithGet)
        {
            throw Refused<InvalidOperationException>(handle, SavedWithoutGet);
        }

        _counters.Of(EpochSlotRegistry.Current.Index).Puts++;
    }

    /// <summary>Drops one reference. Frees the record when it was the last.</summary>
    private ReleaseOutcome Release(uint value, ulong* record)
    {
        Action<DepotHookPoint, uint>? hook = Hook;
        ref long state = ref RecordHeader.State(record);
        long seen = Volatile.Read(ref state); // acquire: pairs with the CAS in TryAcquire and the release in InitRecordLocked and FreeRecord
        while (true)
        {
            uint count = RecordHeader.CountOf(seen);
            if (count == 0 || !_layout.GenerationMatches(value, RecordHeader.TagOf(seen)))
            {
                return ReleaseOutcome.Stale;
            }

            if (count == RecordHeader.Saturated)
            {
                // Never freed: a put is a no-op if a save with Get ever returned this record, a caller error if not
                // (the record was stored pinned from the start by a save without Get).
                return (RecordHeader.TagOf(seen) & RecordHeader.FlagHandedOutWithGet) != 0 ? ReleaseOutcome.Pinned : ReleaseOutcome.NotHandedOutWithGet;
            }

            hook?.Invoke(DepotHookPoint.PutAfterRead, value);
            if (IsOff(DepotProtections.AtomicPut))
            {
                // Broken variant (test-only): a read-modify-write without a CAS loses concurrent updates.
                Volatile.Write(ref state, seen - 1); // release: pairs with nothing on purpose; this is the lost-update bug
                return count == 1 ? FreeRecord(value, record) : ReleaseOutcome.Dropped;
            }

            // The generation shares the word with the count, so a stale put fails here instead of decrementing a
            // reused record.
            long prior = Interlocked.CompareExchange(ref state, seen - 1, seen); // full fence: pairs with the CAS in TryAcquire and Pin
            if (prior == seen)
            {
                return count == 1 ? FreeRecord(value, record) : ReleaseOutcome.Dropped;
            }

            seen = prior;
        }
    }

    private void Pin(ulong* record)
    {
        ref long state = ref RecordHeader.State(record);
        long seen = Volatile.Read(ref state); // acquire: pairs with the CAS in TryAcquire and Release
        while (RecordHeader.CountOf(seen) != RecordHeader.Saturated)
        {
            long pinned = RecordHeader.MakeState(RecordHeader.TagOf(seen) | RecordHeader.FlagHandedOutWithGet, RecordHeader.Saturated); // the references taken with Get may still be put
            long prior = Interlocked.CompareExchange(ref state, pinned, seen); // full fence: pairs with the CAS in TryAcquire and Release; our reference keeps the count above zero
            if (prior == seen)
            {
                Interlocked.Increment(ref _pinned); // pairs with the Volatile.Read in Snapshot
                return;
            }

            seen = prior;
        }
    }

    private static void MarkHandedOutWithGet(ulong* record)
    {
        ref long state = ref RecordHeader.State(record);
        if ((RecordHeader.TagOf(Volatile.Read(ref state)) & RecordHeader.FlagHandedOutWithGet) == 0) // acquire: pairs with the Interlocked.Or below (done once per record)
        {
            Interlocked.Or(ref state, (long)RecordHeader.FlagHandedOutWithGet << 32); // full fence: pairs with the Volatile.Read in PutCore
        }
    }

    /// <summary>Unlinks a record whose count reached zero and retires its slot: it is reused only after a grace
    /// period.</summary>
    private ReleaseOutcome FreeRecord(uint value, ulong* record)
    {
        lock (_locked.Lock)
        {
            // Bump the generation first: from here on, stale handles and stale puts no longer match.
            uint generation = RecordHeader.TagOf(RecordHeader.State(record));
            Volatile.Write(ref RecordHeader.State(record), RecordHeader.MakeState(RecordHeader.NextGeneration(generation), 0)); // release: pairs with the acquire reads in TryFetchCore, TryAcquire and Release

            // Unlink, then retire: the stamp is taken after the unlink (see GracePeriodQueue.RetireLocked).
            if (IsOff(DepotProtections.StampAfterUnlink))
            {
                _retired.RetireLocked(value & _slotMask); // broken variant (test-only): stamped while still linked
                Hook?.Invoke(DepotHookPoint.FreeBetweenUnlinkAndStamp, value);
                UnlinkLocked(value, record);
            }
            else
            {
                UnlinkLocked(value, record);
                Hook?.Invoke(DepotHookPoint.FreeBetweenUnlinkAndStamp, value);
                _retired.RetireLocked(value & _slotMask);
            }

            _locked.RefcountedFrees++;
            Hook?.Invoke(DepotHookPoint.AfterFree, value);
        }

        return ReleaseOutcome.Freed;
    }

    /// <summary>Removes a record from its bucket.</summary>
    private void UnlinkLocked(uint value, ulong* record)
    {
        LockRules.AssertHeld(_locked.Lock);
        var frames = new ReadOnlySpan<ulong>(RecordHeader.Frames(record), RecordHeader.SizeOf(RecordHeader.Key(record)));
        uint bucket = (uint)(_hasher.Hash(frames) >> 32) & _bucketMask;
        ref uint link = ref _buckets[bucket];
        while (link != value)
        {
            if (link == 0)
            {
                throw new InvalidOperationException($"StackDepot '{Name}': internal error, record {value:x8} is not linked in its bucket.");
            }

            link = ref RecordHeader.Next(Resolve(link));
        }

        // The unlinked record keeps its own link, so a reader standing on it can still walk the rest of the chain.
        Volatile.Write(ref link, RecordHeader.Next(record)); // release: pairs with the Volatile.Read of bucket heads and links in Find and Walk
    }

    private TException Refused<TException>(StackHandle handle, string reason)
        where TException : Exception
    {
        DepotEventSource.Log.PutRefused(Name, handle.Value, reason);
        string message = $"StackDepot '{Name}' refused Put({handle}): {reason}.";
        return (TException)(typeof(TException) == typeof(ArgumentException)
            ? new ArgumentException(message, nameof(handle))
            : (Exception)new InvalidOperationException(message));
    }

    private const string SavedWithoutGet = "it names a record saved without SaveFlags.Get (persistent), so there is no reference to drop";

    private enum ReleaseOutcome
    {
        Dropped,
        Freed,
        Pinned,
        NotHandedOutWithGet,
        Stale,
    }
}

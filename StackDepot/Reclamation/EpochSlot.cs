using System.Runtime.InteropServices;

namespace StackDepot.Reclamation;

/// <summary>
/// One thread's announcement board, owned by that thread for its life and recycled after it dies
/// (<see cref="EpochSlotRegistry"/>).
/// <para>
/// <see cref="Epoch"/> is 0 while the thread is outside a read section, or the epoch of <see cref="Domain"/> it read
/// on entering one. <see cref="Domain"/> names the depot the thread reads, so that a reader parked in one depot does
/// not hold back reuse in another. Both are written only by the owning thread, through <see cref="ReadSection"/>.
/// <see cref="Index"/> is unique among live threads (a dead thread's slot, and so its index, goes to a new thread).
/// </para>
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal sealed class EpochSlot
{
    // Padding keeps Epoch off the cache lines of neighbouring objects: only its thread writes it, every scan reads it.
#pragma warning disable CS0169, IDE0051 // padding fields are never read
    private long _pad0, _pad1, _pad2, _pad3, _pad4, _pad5, _pad6, _pad7;
#pragma warning restore CS0169, IDE0051

    /// <summary>0 outside a read section; the announced epoch inside one.</summary>
    public long Epoch;

    /// <summary>The domain (depot) of the thread's current or last read section, or null.</summary>
    public EpochDomain? Domain;

    /// <summary>This slot's position in the registry: a small number unique among live threads.</summary>
    public int Index;

    /// <summary>1 while a live thread owns this slot; set back to 0 when the thread has died.</summary>
    public int InUse;

#pragma warning disable CS0169, IDE0051
    private long _pad8, _pad9, _pad10, _pad11, _pad12, _pad13, _pad14, _pad15;
#pragma warning restore CS0169, IDE0051
}

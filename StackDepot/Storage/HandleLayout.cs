using System.Numerics;
using System.Runtime.CompilerServices;

namespace StackDepot.Storage;

/// <summary>
/// How the 32 bits of a <see cref="StackHandle"/> name a record.
/// <code>
/// bit 31 = 0   persistent:  [0][location:31]                   word index in the persistent arena (never 0)
/// bit 31 = 1   refcounted:  [1][generation:G][slot:S]          S = bits for the slot capacity, G = 31 - S
/// </code>
/// A refcounted slot's generation is bumped each time its record is freed, so a handle used after its last
/// <c>Put</c> no longer matches (unless the slot was freed an exact multiple of 2^G times since).
/// </summary>
internal readonly struct HandleLayout
{
    public const uint RefcountedBit = 0x8000_0000u;

    public HandleLayout(long maxSlots)
    {
        SlotBits = Math.Max(1, 64 - BitOperations.LeadingZeroCount((ulong)Math.Max(1, maxSlots - 1)));
        GenerationBits = 31 - SlotBits;
        if (GenerationBits < DepotGeometry.MinGenerationBits)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSlots), maxSlots,
                $"StackDepot internal error: {maxSlots} refcounted slots leave fewer than {DepotGeometry.MinGenerationBits} generation bits in a handle.");
        }

        SlotMask = (1u << SlotBits) - 1;
        GenerationMask = (1u << GenerationBits) - 1;
    }

    public int SlotBits { get; }

    public uint SlotMask { get; }

    public int GenerationBits { get; }

    public uint GenerationMask { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsRefcounted(uint value) => (value & RefcountedBit) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint MakeRefcounted(uint slot, uint generation) =>
        RefcountedBit | ((generation & GenerationMask) << SlotBits) | slot;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint SlotOf(uint value) => value & SlotMask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint GenerationOf(uint value) => (value >> SlotBits) & GenerationMask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool GenerationMatches(uint value, uint recordGeneration) =>
        ((recordGeneration ^ (value >> SlotBits)) & GenerationMask) == 0;
}

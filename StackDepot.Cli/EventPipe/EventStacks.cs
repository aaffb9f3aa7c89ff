using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Tracing;

namespace StackDepot.Cli.EventPipe;

/// <summary>
/// Reads the managed stack the runtime attaches to an EventPipe event, as instruction pointers, innermost first.
/// </summary>
/// <remarks>
/// TraceEvent keeps the stack of an EventPipe event where it keeps an ETW event's: as an extended data item of type
/// <c>EVENT_HEADER_EXT_TYPE_STACK_TRACE64</c> (or <c>..._TRACE32</c> for a 32-bit target) of the event's native
/// <c>EVENT_RECORD</c>, a 64-bit match id followed by the return addresses. Only <c>TraceLog</c> reads it publicly,
/// and <c>TraceLog</c> keeps every event; this reads the record directly (its field and layout are looked up by name
/// once, so a TraceEvent that changes them is detected, not misread) and keeps nothing.
/// </remarks>
internal static unsafe class EventStacks
{
    private const ushort StackTrace32 = 5;
    private const ushort StackTrace64 = 6;

    private static readonly Layout? s_layout = Layout.Find();

    /// <summary>True when this TraceEvent exposes stacks the way this reader expects.</summary>
    public static bool Supported => s_layout is not null;

    /// <summary>
    /// Copies the event's stack into <paramref name="frames"/> (innermost first; a deeper stack keeps its innermost
    /// frames) and returns the number of frames copied, or -1 when the event carries no stack.
    /// </summary>
    /// <param name="data">The event, inside its callback (the record is valid only there).</param>
    /// <param name="frames">Where to copy the instruction pointers.</param>
    /// <param name="truncated">True when the stack had more frames than <paramref name="frames"/> holds.</param>
    public static int Read(TraceEvent data, Span<ulong> frames, out bool truncated)
    {
        truncated = false;
        Layout? layout = s_layout;
        if (layout is null)
        {
            return -1;
        }

        byte* record = (byte*)layout.GetRecord(data);
        if (record is null)
        {
            return -1;
        }

        int items = *(ushort*)(record + layout.ExtendedDataCountOffset);
        byte* item = *(byte**)(record + layout.ExtendedDataOffset);
        for (int i = 0; i < items && item is not null; i++, item += layout.ItemSize)
        {
            ushort type = *(ushort*)(item + layout.ExtTypeOffset);
            if (type is not (StackTrace64 or StackTrace32))
            {
                continue;
            }

            int size = *(ushort*)(item + layout.DataSizeOffset);
            byte* stack = (byte*)*(ulong*)(item + layout.DataPtrOffset) + sizeof(ulong); // after the unused match id
            int width = type == StackTrace64 ? sizeof(ulong) : sizeof(uint);
            int count = Math.Max(0, size - sizeof(ulong)) / width;
            truncated = count > frames.Length;
            count = Math.Min(count, frames.Length);
            for (int f = 0; f < count; f++)
            {
                frames[f] = width == sizeof(ulong) ? ((ulong*)stack)[f] : ((uint*)stack)[f];
            }

            return count;
        }

        return -1;
    }

    /// <summary>Where the record and its extended data items keep what is read, found by reflection once.</summary>
    private sealed class Layout
    {
        public required Func<TraceEvent, IntPtr> GetRecord { get; init; }

        public required int ExtendedDataCountOffset { get; init; }

        public required int ExtendedDataOffset { get; init; }

        public required int ItemSize { get; init; }

        public required int ExtTypeOffset { get; init; }

        public required int DataSizeOffset { get; init; }

        public required int DataPtrOffset { get; init; }

        public static Layout? Find()
        {
            try
            {
                Assembly assembly = typeof(TraceEvent).Assembly;
                FieldInfo? field = typeof(TraceEvent).GetField("eventRecord", BindingFlags.Instance | BindingFlags.NonPublic);
                Type? record = assembly.GetType("Microsoft.Diagnostics.Tracing.TraceEventNativeMethods+EVENT_RECORD");
                Type? item = assembly.GetType("Microsoft.Diagnostics.Tracing.TraceEventNativeMethods+EVENT_HEADER_EXTENDED_DATA_ITEM");
                if (field is null || record is null || item is null || field.FieldType != record.MakePointerType())
                {
                    return null;
                }

                // A field of a pointer type read as a native int: what the field holds, without boxing or reflection
                // per event.
                var getter = new DynamicMethod("ReadEventRecord", typeof(IntPtr), [typeof(TraceEvent)], typeof(TraceEvent).Module, skipVisibility: true);
                ILGenerator il = getter.GetILGenerator();
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldfld, field);
                il.Emit(OpCodes.Ret);
                return new Layout
                {
                    GetRecord = getter.CreateDelegate<Func<TraceEvent, IntPtr>>(),
                    ExtendedDataCountOffset = (int)Marshal.OffsetOf(record, "ExtendedDataCount"),
                    ExtendedDataOffset = (int)Marshal.OffsetOf(record, "ExtendedData"),
                    ItemSize = Marshal.SizeOf(item),
                    ExtTypeOffset = (int)Marshal.OffsetOf(item, "ExtType"),
                    DataSizeOffset = (int)Marshal.OffsetOf(item, "DataSize"),
                    DataPtrOffset = (int)Marshal.OffsetOf(item, "DataPtr"),
                };
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or MemberAccessException)
            {
                return null;
            }
        }
    }
}

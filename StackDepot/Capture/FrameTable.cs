using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using StackDepot.Naming;

namespace StackDepot.Capture;

/// <summary>
/// The process-wide interning table behind frame ids: one entry per distinct (method, code offset) pair that
/// <see cref="StackCapture"/> has seen. Frame ids are dense, sequential and never reused (id = entry index + 1,
/// so 0 is never a frame).
/// </summary>
/// <remarks>
/// <para>The key is (method handle, IL offset) when the runtime reports an IL offset, and (method handle, native
/// offset) otherwise. Tiered compilation gives one call site several native offsets over a process's life (tier 0,
/// OSR, instrumented tier, tier 1); the IL offset stays the same, so keying on it keeps one logical stack one frame
/// sequence and therefore one depot record.</para>
/// <para>Lookups are lock-free (<see cref="ConcurrentDictionary{TKey,TValue}"/> reads); inserts take one lock and
/// happen once per distinct frame. Entries of collectible methods carry a weak reference to their declaring type
/// (or module) and the name recorded when first seen; a hit on such an entry is validated against the live method
/// so that a method handle reused after an unload gets a fresh id instead of the dead method's.</para>
/// </remarks>
internal static class FrameTable
{
    /// <summary>Entries the table will create before further new frames map to one overflow id.</summary>
    internal const int MaxEntries = 1 << 22;

    private const int ChunkShift = 10;
    private const int ChunkSize = 1 << ChunkShift;

    private static readonly ConcurrentDictionary<FrameKey, FrameEntry> s_map = new();
    private static readonly object s_insertLock = new();
    private static FrameEntry?[][] s_chunks = [new FrameEntry?[ChunkSize]];
    private static int s_count;
    private static FrameEntry? s_overflow;

    /// <summary>Number of frame ids issued so far.</summary>
    internal static int Count => Volatile.Read(ref s_count); // acquire: pairs with the Volatile.Write of s_count in Append

    /// <summary>Returns the id of the frame at (<paramref name="method"/>, offset), creating it on first sight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Intern(MethodBase? method, int ilOffset, int nativeOffset) => InternEntry(method, ilOffset, nativeOffset).Id;

    /// <summary>As <see cref="Intern"/>, returning the entry.</summary>
    internal static FrameEntry InternEntry(MethodBase? method, int ilOffset, int nativeOffset)
    {
        int offsetKey = ilOffset >= 0 ? ilOffset : ~Math.Max(nativeOffset, 0);
        nint handle = method is null || method is DynamicMethod ? 0 : HandleOf(method);
        var key = new FrameKey(handle, offsetKey);
        if (s_map.TryGetValue(key, out FrameEntry? entry)
            && (entry.Kind != FrameKind.Collectible || entry.IsSameCollectibleMethod(method)))
        {
            return entry;
        }

        return Add(key, method, ilOffset, nativeOffset);
    }

    /// <summary>Finds the entry of a frame id; false for ids this process never issued.</summary>
    internal static bool TryGet(ulong id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FrameEntry? entry)
    {
        entry = null;
        if (id == 0 || id > (ulong)Volatile.Read(ref s_count)) // acquire: pairs with the Volatile.Write of s_count in Append; entries below it are written
        {
            return false;
        }

        ulong index = id - 1;
        FrameEntry?[][] chunks = Volatile.Read(ref s_chunks); // acquire: pairs with the Volatile.Write of s_chunks in Append (made before the count that covers id)
        ulong chunk = index >> ChunkShift;
        if (chunk >= (ulong)chunks.Length)
        {
            return false;
        }

        entry = Volatile.Read(ref chunks[chunk][index & (ChunkSize - 1)]); // acquire: pairs with the Volatile.Write of the entry in Append
        return entry is not null;
    }

    private static FrameEntry Add(FrameKey key, MethodBase? method, int ilOffset, int nativeOffset)
    {
        // Work that may run user-visible reflection (names of collectible methods) happens outside the lock.
        FrameKind kind = FrameKind.Managed;
        WeakReference<object>? owner = null;
        string? recordedName = null;
        string? recordedModule = null;
        nint typeHandle = 0;
        bool hidden = false;
        FrameRole role = default;
        if (key.Method == 0)
        {
            kind = FrameKind.Opaque;
        }
        else
        {
            Type? declaringType = method!.DeclaringType;
            if (method.IsCollectible)
            {
                kind = FrameKind.Collectible;
                owner = new WeakReference<object>((object?)declaringType ?? method.Module);
                recordedName = MethodNameFormatter.FormatSafely(method, readable: true);
                recordedModule = MethodNameFormatter.ModuleName(method);
            }

            typeHandle = declaringType is null ? 0 : declaringType.TypeHandle.Value;
            hidden = IsStackTraceHidden(method);
            role = RoleOf(method);
        }

        lock (s_insertLock)
        {
            if (s_map.TryGetValue(key, out FrameEntry? existing)
                && (existing.Kind != FrameKind.Collectible || existing.IsSameCollectibleMethod(method)))
            {
                return existing;
            }

            int count = s_count;
            if (count >= MaxEntries)
            {
                // Past the cap, every new frame shares one opaque id: stacks stay storable, names say why.
                s_overflow ??= Append(count, new FrameEntry((ulong)count + 1, 0, 0, -1, -1, FrameKind.Opaque, null,
                    "<frame table full>", null, hidden: false));
                return s_overflow;
            }

            var entry = new FrameEntry((ulong)count + 1, key.Method, typeHandle, ilOffset, nativeOffset, kind, owner,
                recordedName, recordedModule, hidden, role);
            Append(count, entry);
            s_map[key] = entry; // replaces a stale entry of an unloaded method with the same handle
            return entry;
        }
    }

    private static nint HandleOf(MethodBase method)
    {
        try
        {
            return method.MethodHandle.Value;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
        {
            return 0; // a method without a runtime handle (emitted, not yet baked): an opaque frame
        }
    }

    /// <summary>The frame's part in the async machinery (reflection once per distinct frame, outside the lock).</summary>
    private static FrameRole RoleOf(MethodBase method)
    {
        try
        {
            Type? type = method.DeclaringType;
            bool plumbing = PlumbingFrames.IsPlumbing(MethodNameFormatter.ToSyntax(method, readable: false));
            nint stubOf = method.GetCustomAttribute<AsyncStateMachineAttribute>(inherit: false)?.StateMachineType is { } machine
                ? Definition(machine).TypeHandle.Value
                : 0;
            nint moveNextOf = type is not null && method.Name == "MoveNext" && typeof(IAsyncStateMachine).IsAssignableFrom(type)
                ? Definition(type).TypeHandle.Value
                : 0;
            return new FrameRole(plumbing, stubOf, moveNextOf);
        }
        catch (Exception e) when (e is TypeLoadException or FileNotFoundException or FileLoadException or BadImageFormatException or NotSupportedException)
        {
            return default; // a type that cannot load plays no part: the frame is kept
        }
    }

    private static Type Definition(Type type) => type.IsGenericType && !type.IsGenericTypeDefinition ? type.GetGenericTypeDefinition() : type;

    private static bool IsStackTraceHidden(MethodBase method)
    {
        try
        {
            return method.IsDefined(typeof(System.Diagnostics.StackTraceHiddenAttribute), inherit: false)
                || (method.DeclaringType?.IsDefined(typeof(System.Diagnostics.StackTraceHiddenAttribute), inherit: false) ?? false);
        }
        catch (Exception e) when (e is TypeLoadException or FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return false; // an attribute whose type cannot load is not StackTraceHidden
        }
    }

    private static FrameEntry Append(int count, FrameEntry entry)
    {
        int chunk = count >> ChunkShift;
        FrameEntry?[][] chunks = s_chunks;
        if (chunk >= chunks.Length)
        {
            var grown = new FrameEntry?[chunks.Length * 2][];
            Array.Copy(chunks, grown, chunks.Length);
            for (int i = chunks.Length; i < grown.Length; i++)
            {
                grown[i] = new FrameEntry?[ChunkSize];
            }

            Volatile.Write(ref s_chunks, grown); // release: the copied and new chunks are in place first; pairs with the Volatile.Read of s_chunks in TryGet
            chunks = grown;
        }

        Volatile.Write(ref chunks[chunk][count & (ChunkSize - 1)], entry); // release: the entry is fully built first; pairs with the Volatile.Read of the slot in TryGet
        Volatile.Write(ref s_count, count + 1); // release: publishes the entry (and a grown chunk array) to TryGet; pairs with the Volatile.Read of s_count in TryGet and Count
        return entry;
    }

    private readonly struct FrameKey(nint method, int offset) : IEquatable<FrameKey>
    {
        public nint Method { get; } = method;

        public int Offset { get; } = offset;

        public bool Equals(FrameKey other) => Method == other.Method && Offset == other.Offset;

        public override bool Equals(object? obj) => obj is FrameKey other && Equals(other);

        public override int GetHashCode()
        {
            // Method handles are 8-byte aligned pointers: fold the high half in and mix the offset (Fibonacci hashing).
            ulong h = ((ulong)Method ^ ((ulong)Method >> 32) ^ ((ulong)(uint)Offset << 3)) * 0x9E3779B97F4A7C15UL;
            return (int)(h >> 32);
        }
    }
}

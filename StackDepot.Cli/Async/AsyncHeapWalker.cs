using System.Diagnostics;
using System.Globalization;
using Microsoft.Diagnostics.Runtime;
using StackDepot.Cli.Blocking;
using StackDepot.Cli.Sampling;
using StackDepot.Naming;

namespace StackDepot.Cli.Async;

/// <summary>
/// Builds the <see cref="AsyncGraph"/> of a process from its GC heap (ClrMD has no async API; this is the approach of
/// SOS's <c>dumpasync</c>): every pending task and async state-machine box becomes a node; each task's
/// <c>m_continuationObject</c> (one continuation, a <c>List&lt;object&gt;</c> of them, <c>TaskContinuation</c>
/// wrappers, delegates whose target is a box) links it to its awaiters; each suspended method's current awaiter links
/// what it awaits when that is not a task (a ValueTask source: socket, pipe, channel, a pooled async box).
/// </summary>
/// <remarks>
/// The heap of a live process or a dump can be inconsistent (a process stopped mid-update, a damaged dump): any
/// object that cannot be read ends its chain with a marker and is counted, never thrown. Reads of an object are
/// guarded one object at a time; the budget check runs outside those guards so that its exceptions stop the walk.
/// </remarks>
internal sealed class AsyncHeapWalker
{
    /// <summary>Objects enumerated between two budget checks.</summary>
    private const int CheckEvery = 4096;

    /// <summary>How many wrappers deep a continuation is followed (a list of wrappers of delegates is three).</summary>
    private const int MaxResolveDepth = 6;

    /// <summary>Continuations read from one list (a task awaited by more is cut; the rest are counted).</summary>
    private const int MaxListItems = 100_000;

    /// <summary><c>TaskStateFlags</c>: RanToCompletion | Faulted | Canceled.</summary>
    private const int CompletedMask = 0x1600000;

    /// <summary><c>InternalTaskOptions.PromiseTask</c>: a task without a delegate (TaskCompletionSource, async methods).</summary>
    private const int PromiseTask = 0x400;

    private readonly ClrRuntime _runtime;
    private readonly ClrHeap _heap;
    private readonly AsyncFrameTable _frames;
    private readonly AsyncGraph _graph = new();
    private readonly Dictionary<ulong, TypeFacts> _types = [];
    private readonly Dictionary<ulong, ulong> _waitEvents = [];
    private readonly List<(AsyncNode Node, ulong Continuation)> _pendingContinuations = [];
    private readonly List<(AsyncNode Box, ulong Awaited, string? AwaiterType)> _pendingAwaits = [];
    private readonly Dictionary<(ulong MethodTable, int State), ulong> _methodFrames = [];
    private readonly Dictionary<ulong, MachineLayout> _layouts = [];
    private readonly TargetBytes _bytes;
    private ClrType? _lastType;
    private TypeFacts? _lastFacts;
    private ClrType? _taskType;
    private ulong _completionSentinel;

    public AsyncHeapWalker(ClrRuntime runtime, AsyncFrameTable frames)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(frames);
        _runtime = runtime;
        _heap = runtime.Heap;
        _frames = frames;
        _bytes = new TargetBytes(runtime.DataTarget.DataReader);
    }

    /// <summary>The graph built by <see cref="Walk"/>.</summary>
    public AsyncGraph Graph => _graph;

    /// <summary>The thread pool's own objects, met on the heap (its state can be read from them when ClrMD cannot
    /// find the pool's types by name).</summary>
    public ThreadPoolObjects PoolObjects { get; } = new();

    /// <summary>Wait events of threads blocked on a task (<c>Task+SetOnInvokeMres</c>), each with the task's address.</summary>
    public IReadOnlyDictionary<ulong, ulong> WaitEvents => _waitEvents;

    /// <summary>Objects enumerated.</summary>
    public long Objects { get; private set; }

    /// <summary>Pending tasks and async-method boxes found.</summary>
    public int PendingTasks { get; private set; }

    /// <summary>Objects or links that could not be read.</summary>
    public int Unreadable { get; private set; }

    /// <summary>Continuations left out because one list held more than it should.</summary>
    public long SkippedContinuations { get; private set; }

    /// <summary>Why the heap enumeration stopped before its end, or null when it reached the end.</summary>
    public string? StoppedEarly { get; private set; }

    /// <summary>How long <see cref="Walk"/> took.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>
    /// True when the heap's memory can be read: a mini dump lists the heap's segments but holds none of their
    /// memory.
    /// </summary>
    public static bool HasReadableHeap(ClrRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (!runtime.Heap.CanWalkHeap)
        {
            return false;
        }

        bool any = false;
        foreach (ClrSegment segment in runtime.Heap.Segments)
        {
            if (segment.ObjectRange.Length == 0)
            {
                continue;
            }

            any = true;
            if (runtime.DataTarget.DataReader.ReadPointer(segment.FirstObjectAddress, out _))
            {
                return true;
            }
        }

        return !any;
    }

    /// <summary>The GC heap's committed size in bytes.</summary>
    public static ulong HeapBytes(ClrRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ulong bytes = 0;
        foreach (ClrSegment segment in runtime.Heap.Segments)
        {
            bytes += segment.CommittedMemory.Length;
        }

        return bytes;
    }

    /// <summary>Enumerates the heap once and links the nodes.</summary>
    /// <param name="check">Called every few thousand objects; throws to stop (time budget, cancellation).</param>
    public AsyncGraph Walk(Action check)
    {
        ArgumentNullException.ThrowIfNull(check);
        var clock = Stopwatch.StartNew();
        {
            try
            {
                foreach (ClrObject obj in _heap.EnumerateObjects())
                {
                    if ((++Objects % CheckEvery) == 0)
                    {
                        check();
                    }

                    try
                    {
                        Visit(obj);
                    }
                    catch (Exception e) when (IsReadFailure(e))
                    {
                        Unreadable++;
                    }
                }
            }
            catch (Exception e) when (IsReadFailure(e))
            {
                // The segment walk itself failed (a damaged heap): keep what was found so far.
                StoppedEarly = e.Message;
            }

            _completionSentinel = CompletionSentinel();
            foreach ((AsyncNode node, ulong continuation) in _pendingContinuations)
            {
                Guarded(() => Resolve(node, continuation, 0), node);
            }

            int count = 0;
            foreach ((AsyncNode box, ulong awaited, string? awaiterType) in _pendingAwaits)
            {
                if ((++count % CheckEvery) == 0)
                {
                    check();
                }

                Guarded(() => LinkAwaited(box, awaited, awaiterType), box);
            }
        }

        Elapsed = clock.Elapsed;
        return _graph;
    }

    /// <summary>Runs a read of target memory; a failure (a corrupt object) is counted and, given a node, ends its chain.</summary>
    private void Guarded(Action read, AsyncNode? node = null)
    {
        try
        {
            read();
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            Unreadable++;
            if (node is not null)
            {
                _graph.AddEnd(node, new AsyncLink(AsyncLinkKind.Broken, 0));
            }
        }
    }

    /// <summary>
    /// ClrMD reports unreadable or inconsistent target memory with several exception types (InvalidOperationException,
    /// ArgumentOutOfRangeException, IOException, OverflowException...); the budget check and cancellation must pass.
    /// </summary>
    private static bool IsReadFailure(Exception e) =>
        e is not OperationCanceledException and not SampleTimeoutException and not OutOfMemoryException;

    private void Visit(ClrObject obj)
    {
        ClrType? type = obj.Type;
        if (type is null || !obj.IsValid)
        {
            return;
        }

        TypeFacts facts = Facts(type);
        switch (facts.Kind)
        {
            case ObjectKind.Task:
                VisitTask(obj, facts);
                break;
            case ObjectKind.PoolingBox:
                VisitPoolingBox(obj, facts);
                break;
            case ObjectKind.ThreadPool:
                PoolObjects.Pool = obj.Address;
                break;
            case ObjectKind.WorkQueue:
                PoolObjects.WorkQueue = obj.Address;
                break;
            case ObjectKind.LocalQueue:
                PoolObjects.LocalQueues.Add(obj.Address);
                break;
        }
    }

    /// <summary><c>Task.s_taskCompletionSentinel</c>: the continuation a completed task is left with (0 when unknown).</summary>
    private ulong CompletionSentinel() =>
        _taskType?.GetStaticFieldByName("s_taskCompletionSentinel") is { } sentinel && _runtime.BaseClassLibrary.AppDomain is { } domain
            ? sentinel.ReadObject(domain).Address
            : 0;

    private void VisitTask(ClrObject obj, TypeFacts facts)
    {
        _bytes.Load(obj.Address, obj.Size);
        int flags = _bytes.Read<int>(facts.StateFlags!.GetAddress(obj.Address));
        if ((flags & CompletedMask) != 0)
        {
            return;
        }

        PendingTasks++;
        AsyncNode node;
        if (facts.StateMachine is not null)
        {
            (ulong fields, MachineLayout? layout) = StateMachineOf(obj, facts);
            int state = layout?.State is { } stateField ? _bytes.Read<int>(fields + (ulong)stateField.Offset) : -1;
            node = _graph.Add(obj.Address, MethodFrame(layout?.Type, state), isAsyncMethod: true);
            if (state >= 0 && layout is not null)
            {
                QueueAwaited(node, fields, layout);
            }
        }
        else
        {
            string? method = facts.Action is null ? null : DelegateMethod(_heap.GetObject(_bytes.ReadPointer(facts.Action.GetAddress(obj.Address))));
            string name = AwaitedThingNames.ForTask(facts.Name, isPromise: (flags & PromiseTask) != 0, delegateMethod: method);
            node = _graph.Add(obj.Address, _frames.Intern(name, null), isAsyncMethod: false);
        }

        ulong continuation = _bytes.ReadPointer(facts.Continuation!.GetAddress(obj.Address));
        if (continuation != 0)
        {
            _pendingContinuations.Add((node, continuation));
        }
    }

    /// <summary>A <c>PoolingAsyncValueTaskMethodBuilder</c> box is not a task and goes back to a pool when done: it is
    /// pending only while its method has a current awaiter.</summary>
    private void VisitPoolingBox(ClrObject obj, TypeFacts facts)
    {
        _bytes.Load(obj.Address, obj.Size);
        (ulong fields, MachineLayout? layout) = StateMachineOf(obj, facts);
        if (layout?.State is not { } stateField)
        {
            return;
        }

        int state = _bytes.Read<int>(fields + (ulong)stateField.Offset);
        if (state < 0 || !TryCurrentAwaiter(fields, layout, out _, out _))
        {
            return;
        }

        PendingTasks++;
        AsyncNode node = _graph.Add(obj.Address, MethodFrame(layout.Type, state), isAsyncMethod: true);
        QueueAwaited(node, fields, layout);
    }

    /// <summary>Where the state machine's fields start (inside the box for a struct, in its own object for a class, as
    /// in Debug builds) and its layout.</summary>
    private (ulong Fields, MachineLayout? Layout) StateMachineOf(ClrObject box, TypeFacts facts)
    {
        ClrInstanceField field = facts.StateMachine!;
        if (field.IsValueType)
        {
            return (field.GetAddress(box.Address), field.Type is { } type ? Layout(type) : null);
        }

        ulong machine = _bytes.ReadPointer(field.GetAddress(box.Address));
        return machine == 0 || _heap.GetObjectType(machine) is not { } machineType
            ? (0, null)
            : (machine + (ulong)_runtime.DataTarget.DataReader.PointerSize, Layout(machineType));
    }

    private void QueueAwaited(AsyncNode box, ulong fields, MachineLayout layout)
    {
        if (TryCurrentAwaiter(fields, layout, out ulong awaited, out string? awaiterType))
        {
            _pendingAwaits.Add((box, awaited, awaiterType));
        }
    }

    /// <summary>
    /// The current awaiter of a suspended state machine: the C# compiler keeps each awaiter in a <c>&lt;&gt;u__N</c>
    /// field and clears it after the await, so the current one is the field that is not empty. Returns the awaited
    /// object (a task, a ValueTask's source, a reference-type awaiter) or, for a struct awaiter with nothing to follow,
    /// its type name.
    /// </summary>
    private bool TryCurrentAwaiter(ulong fields, MachineLayout layout, out ulong awaited, out string? awaiterType)
    {
        awaited = 0;
        awaiterType = null;
        foreach (AwaiterSlot slot in layout.Awaiters)
        {
            ulong at = fields + (ulong)slot.Offset;
            switch (slot.Kind)
            {
                case AwaiterKind.Object:
                    awaited = _bytes.ReadPointer(at);
                    break;
                case AwaiterKind.Struct when !_bytes.IsZero(at, slot.Size):
                    awaiterType = slot.TypeName;
                    return true;
            }

            if (awaited != 0)
            {
                return true;
            }
        }

        awaiterType = layout.Yield;
        return awaiterType is not null;
    }

    private MachineLayout Layout(ClrType machineType)
    {
        if (!_layouts.TryGetValue(machineType.MethodTable, out MachineLayout? layout))
        {
            layout = MachineLayout.Of(machineType, _runtime.DataTarget.DataReader.PointerSize);
            _layouts.Add(machineType.MethodTable, layout);
        }

        return layout;
    }

    private void LinkAwaited(AsyncNode box, ulong awaited, string? awaiterType)
    {
        if (awaited == 0)
        {
            // Nothing to follow: a synthetic innermost node named after the awaiter (unique per box: boxes are aligned).
            AsyncNode leaf = _graph.Add(box.Address + 1, _frames.Intern(AwaitedThingNames.ForAwaiter(awaiterType ?? "awaiter"), null), isAsyncMethod: false);
            _graph.Link(leaf, box);
            return;
        }

        if (_graph.TryGet(awaited, out AsyncNode? node))
        {
            _graph.Link(node, box);
            return;
        }

        ClrObject obj = _heap.GetObject(awaited);
        if (!obj.IsValid || obj.Type is not { } type)
        {
            Unreadable++;
            AsyncNode broken = _graph.Add(awaited, _frames.Broken, isAsyncMethod: false);
            _graph.Link(broken, box);
            return;
        }

        TypeFacts facts = Facts(type);
        string name = facts.Kind == ObjectKind.Task
            ? AwaitedThingNames.CompletedTask
            : AwaitedThingNames.ForSource(facts.Name, facts.SocketOperation?.Read<int>(awaited, interior: false));
        AsyncNode source = _graph.Add(awaited, _frames.Intern(name, null), isAsyncMethod: false);
        _graph.Link(source, box);
    }

    /// <summary>Follows one continuation object to the nodes (or ends) it stands for.</summary>
    private void Resolve(AsyncNode from, ulong address, int depth)
    {
        if (address == 0 || address == _completionSentinel)
        {
            return;
        }

        if (_graph.TryGet(address, out AsyncNode? to))
        {
            _graph.Link(from, to);
            return;
        }

        ClrObject obj = _heap.GetObject(address);
        if (depth > MaxResolveDepth || !obj.IsValid || obj.Type is not { } type)
        {
            Unreadable++;
            _graph.AddEnd(from, new AsyncLink(AsyncLinkKind.Broken, address));
            return;
        }

        TypeFacts facts = Facts(type);
        switch (facts.Kind)
        {
            case ObjectKind.Task:
                // A continuation task that is not pending has run: nothing waits there any more.
                return;
            case ObjectKind.List:
                ResolveList(from, obj, depth);
                return;
            case ObjectKind.WaitEvent:
                _waitEvents.TryAdd(address, from.Address);
                _graph.AddEnd(from, new AsyncLink(AsyncLinkKind.BlockingWait, address));
                return;
            case ObjectKind.TaskHolder:
                Resolve(from, facts.HeldTask!.ReadObject(address, interior: false).Address, depth + 1);
                return;
            case ObjectKind.ActionHolder:
                Resolve(from, facts.HeldAction!.ReadObject(address, interior: false).Address, depth + 1);
                return;
            case ObjectKind.Wrapper:
                Resolve(from, facts.Wrapped!.ReadObject(address, interior: false).Address, depth + 1);
                return;
            case ObjectKind.Delegate:
                ResolveDelegate(from, obj, facts, depth);
                return;
            default:
                _graph.AddEnd(from, new AsyncLink(AsyncLinkKind.Callback, address, _frames.Intern(AwaitedThingNames.ForCallback(facts.Name), null)));
                return;
        }
    }

    private void ResolveList(AsyncNode from, ClrObject list, int depth)
    {
        ClrObject items = list.ReadObjectField("_items");
        int size = list.ReadField<int>("_size");
        if (items.IsNull || !items.IsArray)
        {
            return;
        }

        ClrArray array = items.AsArray();
        int count = Math.Min(Math.Min(size, array.Length), MaxListItems);
        SkippedContinuations += Math.Max(0, size - count);
        for (int i = 0; i < count; i++)
        {
            Resolve(from, array.GetObjectValue(i).Address, depth + 1);
        }
    }

    private void ResolveDelegate(AsyncNode from, ClrObject del, TypeFacts facts, int depth)
    {
        ulong target = facts.DelegateTarget!.ReadObject(del.Address, interior: false).Address;
        if (_graph.TryGet(target, out AsyncNode? node))
        {
            _graph.Link(from, node);
            return;
        }

        if (target != 0 && _heap.GetObject(target) is { IsValid: true, Type: { } targetType } && Facts(targetType).Kind == ObjectKind.Wrapper)
        {
            Resolve(from, target, depth + 1);
            return;
        }

        string what = DelegateMethod(del) ?? facts.Name;
        _graph.AddEnd(from, new AsyncLink(AsyncLinkKind.Callback, del.Address, _frames.Intern(AwaitedThingNames.ForCallback(what), null)));
    }

    private static string? DelegateMethod(ClrObject del)
    {
        if (del.IsNull || !del.IsValid || !del.IsDelegate)
        {
            return null;
        }

        ClrMethod? method = del.AsDelegate().GetDelegateTarget()?.Method;
        if (method is null)
        {
            return null;
        }

        // Named by the product's rules from the runtime's signature alone (a lambda is Type.Method()+lambda).
        string raw = method.Signature ?? (method.Type?.Name + "." + method.Name);
        return MetadataNameParser.TryParseSignature(raw, method.Name) is { } parsed ? ReadableNameFormatter.Format(parsed) : raw;
    }

    /// <summary>The frame of an async method at an await state: <c>Ns.Type.Method(args) (await state N)</c>, the method
    /// named from its state machine's <c>MoveNext</c> by the product's naming rules.</summary>
    private ulong MethodFrame(ClrType? machineType, int state)
    {
        ulong methodTable = machineType?.MethodTable ?? 0;
        if (_methodFrames.TryGetValue((methodTable, state), out ulong id))
        {
            return id;
        }

        string where = state >= 0 ? string.Create(CultureInfo.InvariantCulture, $" (await state {state})") : " (running)";
        ClrMethod? moveNext = machineType?.Methods.FirstOrDefault(m => m.Name == "MoveNext");
        id = moveNext is not null
            ? _frames.Method(_frames.Namer.Read(moveNext), where)
            : _frames.Intern((machineType?.Name ?? "[async method]") + where, null);
        _methodFrames.Add((methodTable, state), id);
        return id;
    }

    private TypeFacts Facts(ClrType type)
    {
        // Objects of one type often lie next to each other: the last answer is checked first.
        if (ReferenceEquals(type, _lastType))
        {
            return _lastFacts!;
        }

        if (!_types.TryGetValue(type.MethodTable, out TypeFacts? facts))
        {
            // System.Threading.Tasks.Task is recognized by name in the base types: ClrMD's lookup of a type by name
            // (GetTypeByName) misses now and then in a process that has just loaded many types.
            _taskType ??= TypeFacts.FindTask(type);
            facts = TypeFacts.Of(type, _taskType);
            _types.Add(type.MethodTable, facts);
        }

        _lastType = type;
        _lastFacts = facts;
        return facts;
    }

    private enum AwaiterKind
    {
        /// <summary>The awaited object is a pointer at the slot's offset (a task awaiter's task, a ValueTask's object,
        /// a reference-type awaiter itself).</summary>
        Object,

        /// <summary>A struct awaiter with nothing known to follow: current when any of its bytes is not zero.</summary>
        Struct,
    }

    /// <summary>One <c>&lt;&gt;u__N</c> awaiter field of a state machine, reduced to where to look.</summary>
    /// <param name="Kind">How to read it.</param>
    /// <param name="Offset">From the start of the state machine's fields to the pointer (or the struct).</param>
    /// <param name="Size">The struct's size (<see cref="AwaiterKind.Struct"/>).</param>
    /// <param name="TypeName">The awaiter's type (<see cref="AwaiterKind.Struct"/>).</param>
    private readonly record struct AwaiterSlot(AwaiterKind Kind, int Offset, int Size = 0, string? TypeName = null);

    /// <summary>A state machine type's <c>&lt;&gt;1__state</c> field and awaiter fields, found once per type.</summary>
    private sealed class MachineLayout
    {
        private const string YieldAwaiter = "System.Runtime.CompilerServices.YieldAwaitable+YieldAwaiter";

        public required ClrType Type { get; init; }

        public ClrInstanceField? State { get; init; }

        public required AwaiterSlot[] Awaiters { get; init; }

        /// <summary>The YieldAwaiter's type name when the machine has one (it holds no data, so it cannot be seen
        /// to be current: a suspended machine with no other awaiter set is taken to be yielding).</summary>
        public string? Yield { get; init; }

        public static MachineLayout Of(ClrType type, int pointerSize)
        {
            var slots = new List<AwaiterSlot>();
            string? yield = null;
            foreach (ClrInstanceField field in type.Fields)
            {
                if (field.Name is not { } name || !name.StartsWith("<>u__", StringComparison.Ordinal))
                {
                    continue;
                }

                if (field.IsObjectReference)
                {
                    slots.Add(new AwaiterSlot(AwaiterKind.Object, field.Offset));
                }
                else if (field.Type is { } awaiter)
                {
                    if (awaiter.GetFieldByName("m_task") is { } task)
                    {
                        slots.Add(new AwaiterSlot(AwaiterKind.Object, field.Offset + task.Offset));
                    }
                    else if (awaiter.GetFieldByName("_value") is { Type: { } valueTask } value && valueTask.GetFieldByName("_obj") is { } source)
                    {
                        slots.Add(new AwaiterSlot(AwaiterKind.Object, field.Offset + value.Offset + source.Offset));
                    }
                    else if (awaiter.Name == YieldAwaiter)
                    {
                        yield = YieldAwaiter;
                    }
                    else
                    {
                        // A boxed value type's size counts the object header and method table.
                        slots.Add(new AwaiterSlot(AwaiterKind.Struct, field.Offset, Math.Clamp(awaiter.StaticSize - (2 * pointerSize), 0, 256), awaiter.Name ?? "awaiter"));
                    }
                }
            }

            return new MachineLayout { Type = type, State = type.GetFieldByName("<>1__state"), Awaiters = [.. slots], Yield = yield };
        }
    }

    /// <summary>
    /// A window of the target's memory around the objects being read: a live target answers each read with a system
    /// call, so one read of 64 KiB serves the many tasks that lie close together on the heap (the heap walk goes up
    /// the addresses). Reads outside the window go to the target.
    /// </summary>
    private sealed class TargetBytes(IDataReader reader)
    {
        private const int Capacity = 64 * 1024;

        private readonly byte[] _bytes = new byte[Capacity];
        private ulong _start;
        private int _length;

        /// <summary>Makes sure the window holds [address, address + size), reading from address on when it does not.</summary>
        public void Load(ulong address, ulong size)
        {
            if (address >= _start && address - _start + size <= (ulong)_length)
            {
                return;
            }

            _start = address;
            _length = Math.Max(0, reader.Read(address, _bytes));
        }

        public T Read<T>(ulong address)
            where T : unmanaged
        {
            ulong offset = address - _start; // wraps to a huge value below the start
            return offset + (ulong)System.Runtime.CompilerServices.Unsafe.SizeOf<T>() <= (ulong)_length
                ? System.Runtime.InteropServices.MemoryMarshal.Read<T>(_bytes.AsSpan((int)offset))
                : reader.Read(address, out T value) ? value : default;
        }

        public ulong ReadPointer(ulong address) => reader.PointerSize == 8 ? Read<ulong>(address) : Read<uint>(address);

        public bool IsZero(ulong address, int size)
        {
            Span<byte> bytes = stackalloc byte[size];
            ulong offset = address - _start;
            if (offset + (ulong)size <= (ulong)_length)
            {
                return !_bytes.AsSpan((int)offset, size).ContainsAnyExcept((byte)0);
            }

            int read = reader.Read(address, bytes);
            return !bytes[..Math.Max(0, read)].ContainsAnyExcept((byte)0);
        }
    }

    private enum ObjectKind
    {
        Other,
        Task,
        PoolingBox,
        List,
        WaitEvent,
        TaskHolder,
        ActionHolder,
        Wrapper,
        Delegate,
        ThreadPool,
        WorkQueue,
        LocalQueue,
    }

    /// <summary>What the walk needs to know about a type, found once per method table.</summary>
    private sealed class TypeFacts
    {
        public ObjectKind Kind { get; private init; }

        public string Name { get; private init; } = "?";

        public ClrInstanceField? StateFlags { get; private init; }

        public ClrInstanceField? Continuation { get; private init; }

        public ClrInstanceField? Action { get; private init; }

        public ClrInstanceField? StateMachine { get; private init; }

        public ClrInstanceField? HeldTask { get; private init; }

        public ClrInstanceField? HeldAction { get; private init; }

        public ClrInstanceField? Wrapped { get; private init; }

        public ClrInstanceField? DelegateTarget { get; private init; }

        /// <summary>For socket event args: <c>SocketAsyncEventArgs._completedOperation</c>, the operation in flight.</summary>
        public ClrInstanceField? SocketOperation { get; private init; }

        public static TypeFacts Of(ClrType type, ClrType? taskType)
        {
            string name = type.Name ?? "?";
            if (IsTask(type, taskType))
            {
                ClrInstanceField? flags = type.GetFieldByName("m_stateFlags");
                ClrInstanceField? continuation = type.GetFieldByName("m_continuationObject");
                return flags is null || continuation is null
                    ? new TypeFacts { Name = name }
                    : new TypeFacts
                    {
                        Kind = ObjectKind.Task,
                        Name = name,
                        StateFlags = flags,
                        Continuation = continuation,
                        Action = type.GetFieldByName("m_action"),
                        StateMachine = type.GetFieldByName("StateMachine"),
                    };
            }

            if (name.StartsWith("System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<", StringComparison.Ordinal) &&
                type.GetFieldByName("StateMachine") is { } machine)
            {
                return new TypeFacts { Kind = ObjectKind.PoolingBox, Name = name, StateMachine = machine };
            }

            switch (name)
            {
                case "System.Threading.PortableThreadPool":
                    return new TypeFacts { Kind = ObjectKind.ThreadPool, Name = name };
                case "System.Threading.ThreadPoolWorkQueue":
                    return new TypeFacts { Kind = ObjectKind.WorkQueue, Name = name };
                case "System.Threading.ThreadPoolWorkQueue+WorkStealingQueue":
                    return new TypeFacts { Kind = ObjectKind.LocalQueue, Name = name };
            }

            if (name.StartsWith("System.Collections.Generic.List<", StringComparison.Ordinal))
            {
                return new TypeFacts { Kind = ObjectKind.List, Name = name };
            }

            if (name is "System.Threading.Tasks.Task+SetOnInvokeMres" or "System.Threading.Tasks.Task+SetOnCountdownMres")
            {
                return new TypeFacts { Kind = ObjectKind.WaitEvent, Name = name };
            }

            if (name == "System.Runtime.CompilerServices.AsyncMethodBuilderCore+ContinuationWrapper" && type.GetFieldByName("_continuation") is { } wrapped)
            {
                return new TypeFacts { Kind = ObjectKind.Wrapper, Name = name, Wrapped = wrapped };
            }

            if (IsDelegate(type) && type.GetFieldByName("_target") is { } target)
            {
                return new TypeFacts { Kind = ObjectKind.Delegate, Name = name, DelegateTarget = target };
            }

            if (IsTaskContinuation(type))
            {
                // ContinueWithTaskContinuation holds the continuation task; AwaitTaskContinuation and its
                // synchronization-context and scheduler variants hold the awaiting method's MoveNext delegate.
                if (type.GetFieldByName("m_task") is { } task)
                {
                    return new TypeFacts { Kind = ObjectKind.TaskHolder, Name = name, HeldTask = task };
                }

                if (type.GetFieldByName("m_action") is { } action)
                {
                    return new TypeFacts { Kind = ObjectKind.ActionHolder, Name = name, HeldAction = action };
                }
            }

            return new TypeFacts { Name = name, SocketOperation = IsSocketEventArgs(type) ? type.GetFieldByName("_completedOperation") : null };
        }

        /// <summary>The base type named <c>System.Threading.Tasks.Task</c> of the core library, or null.</summary>
        public static ClrType? FindTask(ClrType type)
        {
            for (ClrType? t = type; t is not null; t = t.BaseType)
            {
                if (t.Name == "System.Threading.Tasks.Task" && t.Module?.Name is { } module &&
                    module.EndsWith("System.Private.CoreLib.dll", StringComparison.OrdinalIgnoreCase))
                {
                    return t;
                }
            }

            return null;
        }

        private static bool IsTask(ClrType type, ClrType? taskType)
        {
            for (ClrType? t = type; t is not null; t = t.BaseType)
            {
                if (taskType is not null && t.MethodTable == taskType.MethodTable)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsDelegate(ClrType type)
        {
            for (ClrType? t = type.BaseType; t is not null; t = t.BaseType)
            {
                if (t.Name == "System.MulticastDelegate" || t.Name == "System.Delegate")
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsSocketEventArgs(ClrType type)
        {
            for (ClrType? t = type; t is not null; t = t.BaseType)
            {
                if (t.Name == "System.Net.Sockets.SocketAsyncEventArgs")
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsTaskContinuation(ClrType type)
        {
            for (ClrType? t = type; t is not null; t = t.BaseType)
            {
                if (t.Name == "System.Threading.Tasks.TaskContinuation")
                {
                    return true;
                }
            }

            return false;
        }
    }
}

namespace StackDepot.Naming;

/// <summary>
/// The runtime's async and task plumbing: frames that sit between the code a person wrote and the code it calls or
/// resumes, and that nobody wrote or called by hand (starting a state machine, resuming it in its execution context,
/// running a task's delegate). Reports leave them out by default, as exception stack traces since .NET Core 2.1 and
/// Ben.Demystifier do, so that an async call chain reads <c>Caller.RunAsync()</c> directly above <c>Callee()</c>.
/// </summary>
/// <remarks>
/// The list (declaring type without generic arity, nested types joined with <c>+</c>; <c>*</c> is every method):
/// <list type="table">
/// <item><term>System.Runtime.CompilerServices.AsyncMethodBuilderCore</term><description>Start</description></item>
/// <item><term>System.Runtime.CompilerServices.AsyncTaskMethodBuilder, AsyncValueTaskMethodBuilder,
/// AsyncVoidMethodBuilder, PoolingAsyncValueTaskMethodBuilder (generic or not)</term><description>Start</description></item>
/// <item><term>System.Runtime.CompilerServices.AsyncIteratorMethodBuilder</term><description>MoveNext</description></item>
/// <item><term>System.Runtime.CompilerServices.AsyncTaskMethodBuilder+AsyncStateMachineBox,
/// AsyncTaskMethodBuilder+DebugFinalizableAsyncStateMachineBox, PoolingAsyncValueTaskMethodBuilder+StateMachineBox</term>
/// <description>*</description></item>
/// <item><term>System.Runtime.CompilerServices.TaskAwaiter</term><description>HandleNonSuccessAndDebuggerNotification,
/// ValidateEnd, ThrowForNonSuccess (not GetResult: a person writes that call)</description></item>
/// <item><term>System.Runtime.CompilerServices.YieldAwaitable+YieldAwaiter</term><description>RunAction</description></item>
/// <item><term>System.Threading.ExecutionContext</term><description>Run, RunInternal, RunFromThreadPoolDispatchLoop,
/// RunForThreadPoolUnsafe</description></item>
/// <item><term>System.Threading.Tasks.AwaitTaskContinuation</term><description>RunOrScheduleAction, RunCallback,
/// InvokeAction</description></item>
/// <item><term>System.Threading.Tasks.Task (generic or not)</term><description>ExecuteWithThreadLocal, ExecuteEntry,
/// ExecuteEntryUnsafe, ExecuteFromThreadPool, ExecutionContextCallback, InnerInvoke</description></item>
/// <item><term>System.Threading.Tasks.ContinuationTaskFromTask, ContinuationResultTaskFromTask,
/// ContinuationTaskFromResultTask, ContinuationResultTaskFromResultTask</term><description>InnerInvoke</description></item>
/// </list>
/// Frames that say what kind of thread runs the code (<c>ThreadPoolWorkQueue.Dispatch</c>,
/// <c>PortableThreadPool+WorkerThread.WorkerThreadStart</c>, <c>Thread.StartCallback</c>, <c>TimerQueue.FireNextTimers</c>)
/// and frames a person calls (<c>Task.Wait</c>, <c>TaskAwaiter.GetResult</c>, <c>Task.RunContinuations</c>, which runs
/// continuations inline) are not plumbing.
/// </remarks>
internal static class PlumbingFrames
{
    private const string CompilerServices = "System.Runtime.CompilerServices.";
    private const string Tasks = "System.Threading.Tasks.";

    private static readonly string[] Start = ["Start"];
    private static readonly string[] All = ["*"];
    private static readonly string[] InnerInvoke = ["InnerInvoke"];

    private static readonly Dictionary<string, string[]> s_methods = new(StringComparer.Ordinal)
    {
        [CompilerServices + "AsyncMethodBuilderCore"] = Start,
        [CompilerServices + "AsyncTaskMethodBuilder"] = Start,
        [CompilerServices + "AsyncValueTaskMethodBuilder"] = Start,
        [CompilerServices + "AsyncVoidMethodBuilder"] = Start,
        [CompilerServices + "PoolingAsyncValueTaskMethodBuilder"] = Start,
        [CompilerServices + "AsyncIteratorMethodBuilder"] = ["MoveNext"],
        [CompilerServices + "AsyncTaskMethodBuilder+AsyncStateMachineBox"] = All,
        [CompilerServices + "AsyncTaskMethodBuilder+DebugFinalizableAsyncStateMachineBox"] = All,
        [CompilerServices + "PoolingAsyncValueTaskMethodBuilder+StateMachineBox"] = All,
        [CompilerServices + "TaskAwaiter"] = ["HandleNonSuccessAndDebuggerNotification", "ValidateEnd", "ThrowForNonSuccess"],
        [CompilerServices + "YieldAwaitable+YieldAwaiter"] = ["RunAction"],
        ["System.Threading.ExecutionContext"] = ["Run", "RunInternal", "RunFromThreadPoolDispatchLoop", "RunForThreadPoolUnsafe"],
        [Tasks + "AwaitTaskContinuation"] = ["RunOrScheduleAction", "RunCallback", "InvokeAction"],
        [Tasks + "Task"] = ["ExecuteWithThreadLocal", "ExecuteEntry", "ExecuteEntryUnsafe", "ExecuteFromThreadPool", "ExecutionContextCallback", "InnerInvoke"],
        [Tasks + "ContinuationTaskFromTask"] = InnerInvoke,
        [Tasks + "ContinuationResultTaskFromTask"] = InnerInvoke,
        [Tasks + "ContinuationTaskFromResultTask"] = InnerInvoke,
        [Tasks + "ContinuationResultTaskFromResultTask"] = InnerInvoke,
    };

    /// <summary>True when <paramref name="method"/> is on the list.</summary>
    public static bool IsPlumbing(MethodSyntax method) =>
        method.DeclaringType is { } type && IsPlumbing(type.DefinitionKey, method.Name);

    /// <summary>True when the method <paramref name="methodName"/> of the type <paramref name="typeKey"/> (namespace
    /// and nested names without arity, joined with <c>+</c>) is on the list.</summary>
    public static bool IsPlumbing(string typeKey, string methodName)
    {
        if (!s_methods.TryGetValue(typeKey, out string[]? methods))
        {
            return false;
        }

        foreach (string candidate in methods)
        {
            if (candidate == "*" || candidate == methodName)
            {
                return true;
            }
        }

        return false;
    }
}

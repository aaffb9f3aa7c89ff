using StackDepot.Naming;

namespace StackDepot.Tests.Naming;

public class PlumbingFramesTests
{
    [Theory]
    [InlineData("System.Runtime.CompilerServices.AsyncMethodBuilderCore", "Start", true)]
    [InlineData("System.Runtime.CompilerServices.AsyncValueTaskMethodBuilder", "Start", true)]
    [InlineData("System.Runtime.CompilerServices.AsyncTaskMethodBuilder", "SetResult", false)]
    [InlineData("System.Runtime.CompilerServices.AsyncTaskMethodBuilder+AsyncStateMachineBox", "MoveNext", true)]
    [InlineData("System.Runtime.CompilerServices.AsyncTaskMethodBuilder+AsyncStateMachineBox", "ExecuteFromThreadPool", true)]
    [InlineData("System.Runtime.CompilerServices.TaskAwaiter", "HandleNonSuccessAndDebuggerNotification", true)]
    [InlineData("System.Runtime.CompilerServices.TaskAwaiter", "GetResult", false)]
    [InlineData("System.Threading.ExecutionContext", "RunInternal", true)]
    [InlineData("System.Threading.ExecutionContext", "Capture", false)]
    [InlineData("System.Threading.Tasks.Task", "InnerInvoke", true)]
    [InlineData("System.Threading.Tasks.Task", "Wait", false)]
    [InlineData("System.Threading.Tasks.Task", "RunContinuations", false)]
    [InlineData("System.Threading.ThreadPoolWorkQueue", "Dispatch", false)]
    [InlineData("MyCompany.AsyncMethodBuilderCore", "Start", false)]
    public void The_list_names_async_machinery_only(string type, string method, bool expected)
    {
        Assert.Equal(expected, PlumbingFrames.IsPlumbing(type, method));
    }

    [Fact]
    public void Generic_and_non_generic_builders_match_alike()
    {
        MethodSyntax generic = MetadataNameParser.TryParseSignature(
            "System.Runtime.CompilerServices.AsyncTaskMethodBuilder`1[[System.Int32, System.Private.CoreLib]].Start[[Ns.T+<Run>d__1, App]](<Run>d__1 ByRef)")!;
        MethodSyntax plain = MetadataNameParser.TryParseSignature(
            "System.Runtime.CompilerServices.AsyncTaskMethodBuilder.Start[[Ns.T+<Run>d__1, App]](<Run>d__1 ByRef)")!;

        Assert.True(PlumbingFrames.IsPlumbing(generic));
        Assert.True(PlumbingFrames.IsPlumbing(plain));
        Assert.False(PlumbingFrames.IsPlumbing(new MethodSyntax { Name = "Start" })); // a global method is never plumbing
    }
}

using StackDepot.Cli.Async;

namespace StackDepot.Cli.Tests.Async;

public sealed class StateMachineNamesTests
{
    [Theory]
    [InlineData("Harbor.Customs+<InspectAsync>d__4", "Harbor.Customs", "InspectAsync", "InspectAsync", "Harbor.Customs")]
    [InlineData("Harbor.Customs+Desk+<OpenAsync>d__0", "Harbor.Customs+Desk", "OpenAsync", "OpenAsync", "Harbor.Customs+Desk")]
    [InlineData("App.Program+<>c+<<Main>b__0_0>d", "App.Program", "Main.lambda", "<Main>b__0_0", "App.Program+<>c")]
    [InlineData("App.Program+<>c__DisplayClass2_0+<<RunAsync>b__1>d", "App.Program", "RunAsync.lambda", "<RunAsync>b__1", "App.Program+<>c__DisplayClass2_0")]
    [InlineData("App.Program+<<Main>g__PollAsync|0_1>d", "App.Program", "Main.PollAsync", "<Main>g__PollAsync|0_1", "App.Program")]
    [InlineData("Program+<>c+<<<Main>$>b__0_1>d", "Program", "Main.lambda", "<<Main>$>b__0_1", "Program+<>c")]
    [InlineData("Program+<<Main>$>d__0", "Program", "Main", "<Main>$", "Program")]
    [InlineData("Program+<<<Main>$>g__Poll|0_0>d", "Program", "Main.Poll", "<<Main>$>g__Poll|0_0", "Program")]
    [InlineData("Microsoft.AspNetCore.Http.RequestDelegateFactory+<<ExecuteTaskOfString>g__ExecuteAwaited|110_0>d",
        "Microsoft.AspNetCore.Http.RequestDelegateFactory", "ExecuteTaskOfString.ExecuteAwaited", "<ExecuteTaskOfString>g__ExecuteAwaited|110_0", "Microsoft.AspNetCore.Http.RequestDelegateFactory")]
    [InlineData("App.Cache<System.String>+<LoadAsync>d__3", "App.Cache<System.String>", "LoadAsync", "LoadAsync", "App.Cache<System.String>")]
    [InlineData("App.Mapper+<MapAsync>d__7<System.Int32>", "App.Mapper", "MapAsync", "MapAsync", "App.Mapper")]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.HttpProtocol+<ProcessRequests>d__238<Microsoft.AspNetCore.Hosting.HostingApplication+Context>",
        "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.HttpProtocol", "ProcessRequests", "ProcessRequests", "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.HttpProtocol")]
    public void Splits_compiler_generated_state_machine_names(string type, string declaring, string method, string kickoff, string closure)
    {
        Assert.True(StateMachineNames.TrySplit(type, out string d, out string m, out string k, out string c));
        Assert.Equal((declaring, method, kickoff, closure), (d, m, k, c));
    }

    [Theory]
    [InlineData("App.Program")]
    [InlineData("App.Program+Nested")]
    [InlineData("App.Program+<>c")]
    [InlineData("System.Collections.Generic.List<App.Program+<Run>d__1>+Enumerator")]
    public void Refuses_names_that_are_not_state_machines(string type) =>
        Assert.False(StateMachineNames.TrySplit(type, out _, out _, out _, out _));
}

using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace StackDepot.Cli.Top;

/// <summary>The <c>top</c> view as a Spectre.Console renderable, for the live display on a terminal.</summary>
internal static class TopLiveRenderer
{
    /// <summary>The view, or a waiting line before the first refresh.</summary>
    public static IRenderable Render(string title, TopView? view)
    {
        if (view is null)
        {
            return new Markup(Markup.Escape(title) + ": [grey]loading the runtime's debugging support and taking the first samples...[/]");
        }

        string stopped = TopText.Header(title, view);
        var header = new Markup(view.Stopped.Fraction > 0.10 ? "[bold]" + Markup.Escape(stopped) + "[/] [red](over 10%: lower --rate)[/]" : "[bold]" + Markup.Escape(stopped) + "[/]");
        var methods = new Table().Border(TableBorder.Simple).Expand()
            .AddColumn(new TableColumn("%Own").RightAligned())
            .AddColumn(new TableColumn("%Total").RightAligned())
            .AddColumn(new TableColumn("Own").RightAligned())
            .AddColumn(new TableColumn("Total").RightAligned())
            .AddColumn(new TableColumn("Method"));
        foreach (TopMethod method in view.Methods)
        {
            methods.AddRow(
                TopText.Share(method.Own, view.Total),
                TopText.Share(method.Total, view.Total),
                method.Own.ToString(CultureInfo.InvariantCulture),
                method.Total.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(method.Name));
        }

        var stacks = new Table().Border(TableBorder.Simple).Expand()
            .AddColumn(new TableColumn("%").RightAligned())
            .AddColumn(new TableColumn("Samples, threads"))
            .AddColumn(new TableColumn("Stack (innermost first)"));
        foreach (TopStack stack in view.Stacks)
        {
            stacks.AddRow(TopText.Share(stack.Samples, view.Total), TopText.StackCounts(stack), Markup.Escape(TopText.StackLine(stack)));
        }

        var rows = new List<IRenderable> { header, methods, stacks };
        rows.AddRange(view.Notes.Select(n => new Markup("[yellow]" + Markup.Escape(n) + "[/]")));
        rows.Add(new Markup("[grey]q or Ctrl-C quits (the target keeps running)[/]"));
        return new Rows(rows);
    }
}

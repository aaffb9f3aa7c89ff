namespace StackDepot.Reporting;

/// <summary>
/// The call-tree format: stacks merged from the outermost frame, as <c>dotnet-dump pstacks</c> does, but printed
/// root first. Each line starts with the first value of the subtree below it when it differs from the line above;
/// a chain without branches continues at the same indentation; thread ids are printed where stacks end.
/// </summary>
internal sealed class TreeReportFormatter : ITextReportFormatter
{
    /// <inheritdoc/>
    public string Name => "tree";

    /// <inheritdoc/>
    public string Description => "the stacks merged into a call tree from the outermost frame, with a value at each branch";

    /// <inheritdoc/>
    public bool KeepsAllStacks => false;

    /// <inheritdoc/>
    public void Write(StackReport report, TextWriter output)
    {
        TextReportFormatter.WriteHeader(report, output);

        var roots = new Node(null);
        foreach (StackReportEntry entry in report.Entries)
        {
            IReadOnlyList<ReportFrame> frames = ReportFormatting.FramesOrPlaceholder(entry);
            Node node = roots;
            node.Value += entry.Values[0];
            for (int i = frames.Count - 1; i >= 0; i--)
            {
                node = node.Child(frames[i]);
                node.Value += entry.Values[0];
            }

            node.EndingValue += entry.Values[0];
            node.EndingThreads.AddRange(entry.ThreadIds);
        }

        ReportValueType type = report.ValueTypes[0];
        output.Write('\n');
        output.Write(ReportFormatting.Quantity(roots.Value, type));
        output.Write(" in ");
        output.Write(ReportQuantity.Count(report.Entries.Count));
        output.Write(report.Entries.Count == 1 ? " stack" : " stacks");
        output.Write(" with ");
        output.Write(ReportQuantity.Count(roots.Children.Count));
        output.Write(roots.Children.Count == 1 ? " root" : " roots");
        output.Write(", root first\n");

        int width = ValueWidth(roots, type);
        var printer = new Printer(output, width, type);
        foreach (Node root in roots.SortedChildren())
        {
            printer.Print(root, string.Empty, string.Empty, showValue: true);
        }

        if (report.OmittedEntries > 0)
        {
            output.Write("\n...and ");
            output.Write(ReportQuantity.Count(report.OmittedEntries));
            output.Write(report.OmittedEntries == 1 ? " more stack\n" : " more stacks\n");
        }
    }

    /// <summary>The widest value any line prints (bytes in binary units are not widest at the largest value).</summary>
    private static int ValueWidth(Node roots, ReportValueType type)
    {
        int width = 1;
        var pending = new Stack<Node>();
        pending.Push(roots);
        while (pending.Count > 0)
        {
            Node node = pending.Pop();
            width = Math.Max(width, ReportFormatting.Value(node.Value, type).Length);
            foreach (Node child in node.Children.Values)
            {
                pending.Push(child);
            }
        }

        return width;
    }

    private sealed class Printer(TextWriter output, int width, ReportValueType type)
    {
        public void Print(Node node, string headPrefix, string bodyPrefix, bool showValue)
        {
            // Iterative along single-child chains so that deep stacks do not recurse once per frame.
            while (true)
            {
                string value = showValue ? ReportFormatting.Value(node.Value, type) : string.Empty;
                output.Write(value.PadLeft(width));
                output.Write("  ");
                output.Write(headPrefix);
                output.Write(ReportFormatting.OneLine(node.Frame!.DisplayName));
                output.Write('\n');

                if (node.EndingValue > 0)
                {
                    output.Write(new string(' ', width + 2));
                    output.Write(bodyPrefix);
                    output.Write(node.Children.Count == 0 ? "  ~~~~ " : "  ~~~~ ends here: ");
                    output.Write(ReportFormatting.Quantity(node.EndingValue, type));
                    if (node.EndingThreads.Count > 0)
                    {
                        node.EndingThreads.Sort();
                        output.Write(", thread ids ");
                        output.Write(ReportFormatting.ThreadList(node.EndingThreads));
                    }

                    output.Write('\n');
                }

                if (node.Children.Count == 1 && node.EndingValue == 0)
                {
                    Node only = node.Children.Values.First();
                    showValue = only.Value != node.Value;
                    node = only;
                    headPrefix = bodyPrefix;
                    continue;
                }

                List<Node> children = node.SortedChildren();
                for (int i = 0; i < children.Count; i++)
                {
                    bool last = i == children.Count - 1;
                    Print(children[i], bodyPrefix + (last ? "\\- " : "+- "), bodyPrefix + (last ? "   " : "|  "), showValue: true);
                }

                return;
            }
        }
    }

    private sealed class Node(ReportFrame? frame)
    {
        private int _order;

        public ReportFrame? Frame { get; } = frame;

        public long Value { get; set; }

        public long EndingValue { get; set; }

        public List<int> EndingThreads { get; } = [];

        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        public int Order { get; private init; }

        public Node Child(ReportFrame frame)
        {
            string key = frame.DisplayName;
            if (!Children.TryGetValue(key, out Node? child))
            {
                child = new Node(frame) { Order = _order++ };
                Children.Add(key, child);
            }

            return child;
        }

        public List<Node> SortedChildren()
        {
            var list = new List<Node>(Children.Values);
            list.Sort((a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : a.Order.CompareTo(b.Order));
            return list;
        }
    }
}

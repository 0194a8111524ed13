namespace Dagon.Reporting;

/// <summary>How <c>--plan</c> draws the DAG: a text tree for the terminal, a Mermaid flowchart, or Graphviz DOT.</summary>
public enum PlanFormat
{
    Text,
    Mermaid,
    Dot,
}

using Cualify.Appliance.Core.Privacy;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;

namespace Cualify.Appliance.Logging;

/// <summary>Renders a log line with the output template, then masks keys, secrets, numbers and addresses in it.</summary>
public sealed class RedactingFormatter(string outputTemplate) : ITextFormatter
{
    private readonly MessageTemplateTextFormatter _inner = new(outputTemplate);

    public void Format(LogEvent logEvent, TextWriter output)
    {
        using var line = new StringWriter();
        _inner.Format(logEvent, line);
        output.Write(Redact.Text(line.ToString()));
    }
}

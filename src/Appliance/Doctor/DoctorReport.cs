using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Core.Privacy;

namespace Cualify.Appliance.Doctor;

/// <summary>Writes one line per check (<c>ok</c>, <c>WARN</c>, <c>FAIL</c>), then a count; masks numbers and secrets like the logs.</summary>
public sealed class DoctorReport(TextWriter output)
{
    private int _ok;
    private int _warnings;
    private int _failures;

    public void Write(string name, DoctorResult result)
    {
        var (label, fix) = result.Status switch
        {
            DoctorStatus.Ok => ("ok  ", ""),
            DoctorStatus.Warn => ("WARN", $" Fix: {result.Fix}"),
            _ => ("FAIL", $" Fix: {result.Fix}"),
        };
        _ = result.Status switch
        {
            DoctorStatus.Ok => ++_ok,
            DoctorStatus.Warn => ++_warnings,
            _ => ++_failures,
        };
        output.WriteLine(Redact.Text($"{label}  {name}: {result.Detail.TrimEnd('.')}.{fix}"));
    }

    /// <summary>Writes the count and returns the exit code: 1 when anything failed.</summary>
    public int Finish()
    {
        output.WriteLine($"doctor: {_ok} ok, {_warnings} warning(s), {_failures} failure(s)");
        return _failures > 0 ? 1 : 0;
    }
}

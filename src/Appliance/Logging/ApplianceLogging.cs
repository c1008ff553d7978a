using Cualify.Appliance.Core.Common;
using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Events;

namespace Cualify.Appliance.Logging;

/// <summary>
/// Serilog for the appliance: console plus daily rolling files under <c>&lt;data-dir&gt;/logs</c> with retention,
/// every line passed through <see cref="RedactingFormatter"/>.
/// </summary>
public static class ApplianceLogging
{
    private const string ConsoleTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";
    private const string FileTemplate = "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffZ} [{Level:u3}] {SourceContext}: {Message:lj} {Properties:j}{NewLine}{Exception}";

    public static LoggerConfiguration Configure(LoggerConfiguration logger, IConfiguration configuration, DataDirectory dataDirectory, bool console)
    {
        var level = Enum.TryParse<LogEventLevel>(configuration["Logging:Level"], ignoreCase: true, out var parsed) ? parsed : LogEventLevel.Information;
        var retainedDays = int.TryParse(configuration["Logging:RetainedDays"], out var days) && days > 0 ? days : 14;
        logger
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Extensions.Http", LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.File(
                new RedactingFormatter(FileTemplate),
                Path.Combine(dataDirectory.Path, "logs", "appliance-.log"),
                rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: retainedDays,
                shared: true,
                flushToDiskInterval: TimeSpan.FromSeconds(1));
        if (console)
        {
            logger.WriteTo.Console(new RedactingFormatter(ConsoleTemplate), standardErrorFromLevel: LogEventLevel.Verbose);
        }

        return logger;
    }
}

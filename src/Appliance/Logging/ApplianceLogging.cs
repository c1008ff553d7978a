using Cualify.Appliance.Core.Store;
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
    private const string FileTemplate = "{UtcTimestamp:yyyy-MM-ddTHH:mm:ss.fffZ} [{Level:u3}] {SourceContext}: {Message:lj} {Properties:j}{NewLine}{Exception}";

    public static LoggerConfiguration Configure(LoggerConfiguration logger, IConfiguration configuration, DataDirectory dataDirectory, bool console)
    {
        // Read leniently here (logging starts before validation); an invalid value is reported by ValidateOnStart and doctor.
        var options = new LoggingOptions();
        try
        {
            configuration.GetSection(LoggingOptions.Section).Bind(options);
        }
        catch (InvalidOperationException)
        {
            options = new LoggingOptions();
        }

        var retainedDays = options.RetainedDays is >= 1 and <= 3650 ? options.RetainedDays : 14;
        var sizeLimitMB = options.FileSizeLimitMB is >= 1 and <= 10_240 ? options.FileSizeLimitMB : 100;
        logger
            .MinimumLevel.Is(options.MinimumLevel)
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Extensions.Http", LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.File(
                new RedactingFormatter(FileTemplate),
                Path.Combine(dataDirectory.Path, "logs", "appliance-.log"),
                rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: null,
                retainedFileTimeLimit: TimeSpan.FromDays(retainedDays),
                fileSizeLimitBytes: sizeLimitMB * 1024L * 1024L,
                rollOnFileSizeLimit: true,
                shared: true,
                flushToDiskInterval: TimeSpan.FromSeconds(1));
        if (console)
        {
            logger.WriteTo.Console(new RedactingFormatter(ConsoleTemplate), standardErrorFromLevel: LogEventLevel.Verbose);
        }

        return logger;
    }
}

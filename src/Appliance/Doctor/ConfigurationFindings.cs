using System.Text.RegularExpressions;
using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Doctor;

/// <summary>
/// Runs every options validation the appliance runs at start (all features' <c>ValidateOnStart</c>) and turns
/// each failure into one finding naming the setting, where its value comes from, and how to change it.
/// </summary>
public static partial class ConfigurationFindings
{
    public static IReadOnlyList<DoctorResult> Collect(IServiceProvider services, IConfigurationRoot configuration)
    {
        var failures = new List<string>();
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
        }
        catch (OptionsValidationException ex)
        {
            failures.AddRange(ex.Failures);
        }
        catch (AggregateException ex)
        {
            failures.AddRange(ex.Flatten().InnerExceptions.SelectMany(e => e is OptionsValidationException o ? o.Failures : [e.Message]));
        }
        catch (InvalidOperationException ex)
        {
            // A value that cannot be converted (e.g. "abc" for a TimeSpan) stops validation at that setting.
            failures.Add(ex.Message);
        }

        if (failures.Count == 0)
        {
            return [DoctorResult.Ok($"settings valid; read from {string.Join(", ", configuration.Providers.Select(Describe).Distinct())}")];
        }

        return failures.Distinct().Select(failure => Finding(Clean(failure), configuration)).ToList();
    }

    /// <summary>The finding for a settings file that cannot be read at all.</summary>
    public static DoctorResult Unreadable(Exception ex, ApplianceSettings settings)
    {
        var file = ex is FileNotFoundException { FileName: { } name } ? name : Path.GetFullPath(settings.ConfigFile ?? ApplianceConfiguration.DefaultsFile);
        return ex switch
        {
            InvalidOperationException when SettingName().Match(ex.Message) is { Success: true } setting =>
                DoctorResult.Fail(ex.Message, $"give {setting.Value} a value of the right kind (durations as hh:mm:ss, e.g. 00:00:30) in {file} or its CUALIFY__ environment variable"),
            FileNotFoundException => DoctorResult.Fail(ex.Message, $"create {file} or point --config at the settings file the service uses"),
            _ => DoctorResult.Fail($"{ex.Message} {ex.InnerException?.Message}".Trim(),
                $"correct the JSON in {file} (comments and trailing commas are allowed; every key and string in double quotes)"),
        };
    }

    private static DoctorResult Finding(string message, IConfigurationRoot configuration)
    {
        var key = SettingName().Match(message) is { Success: true } match ? match.Value : null;
        if (key is null)
        {
            return DoctorResult.Fail(message, "correct the setting named above in the settings file (--config) or its CUALIFY__ environment variable");
        }

        var source = configuration.Providers.Reverse().FirstOrDefault(p => p.TryGet(key, out _));
        var shown = source is not null && source.TryGet(key, out var value) && !LooksSecret(key) ? $" (now \"{value}\")" : "";
        var fix = source switch
        {
            JsonConfigurationProvider json => $"change {key} in {FilePath(json)}",
            EnvironmentVariablesConfigurationProvider => $"change the environment variable {ApplianceSettings.EnvironmentPrefix}{key.Replace(":", "__")} (for the service: systemctl edit cualify-appliance, or the installer's settings)",
            MemoryConfigurationProvider => $"change the command-line flag that sets {key}",
            _ => $"set {key} in the settings file given with --config",
        };
        return DoctorResult.Fail(message + shown, fix);
    }

    private static string Describe(IConfigurationProvider provider) => provider switch
    {
        JsonConfigurationProvider json => FilePath(json) + (File.Exists(FilePath(json)) ? "" : " (absent)"),
        EnvironmentVariablesConfigurationProvider => $"{ApplianceSettings.EnvironmentPrefix}* environment variables",
        MemoryConfigurationProvider => "command-line flags",
        _ => provider.GetType().Name,
    };

    private static string FilePath(JsonConfigurationProvider json) =>
        json.Source.FileProvider is PhysicalFileProvider physical ? Path.Combine(physical.Root, json.Source.Path ?? "") : json.Source.Path ?? "?";

    private static bool LooksSecret(string key) => SecretName().IsMatch(key);

    /// <summary>"DataAnnotation validation failed for 'X' members: 'Y' with the error: 'Z'." → "Z".</summary>
    private static string Clean(string failure) =>
        DataAnnotationFailure().Match(failure) is { Success: true } match ? match.Groups["message"].Value : failure;

    [GeneratedRegex(@"with the error: '(?<message>.*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])[A-Z][A-Za-z0-9]*(?::[A-Z][A-Za-z0-9]*)+")]
    private static partial Regex SettingName();

    [GeneratedRegex("password|secret|token|key$", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}

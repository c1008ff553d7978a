using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Secrets;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Cli;

/// <summary>Turns what a verb throws into one plain line on standard error and an exit code.</summary>
public static class CliErrors
{
    public static async Task<int> GuardAsync(Func<Task<int>> verb)
    {
        try
        {
            return await verb();
        }
        catch (ApplianceException ex)
        {
            var details = ex.Details?.TryGetValue("fieldErrors", out var fields) == true && fields is IDictionary<string, string[]> byField
                ? string.Concat(byField.SelectMany(f => f.Value.Skip(f.Key == ex.Param ? 1 : 0).Select(m => Environment.NewLine + "  " + m)))
                : "";
            await Console.Error.WriteLineAsync($"error: {ex.Message}{details}");
            return 1;
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync($"error: invalid configuration: {string.Join("; ", ex.Failures)}");
            return 1;
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            await Console.Error.WriteLineAsync($"error: invalid configuration: {ex.Message}");
            return 1;
        }
        catch (InvalidDataException ex)
        {
            // A settings file that is not valid JSON.
            await Console.Error.WriteLineAsync($"error: {ex.Message} {ex.InnerException?.Message}".TrimEnd());
            return 1;
        }
        catch (Hosting.WrongUserException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
        catch (SecretKeyMismatchException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
        catch (IOException ex)
        {
            // A missing --config file, a listen address in use, a full disk.
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
    }
}

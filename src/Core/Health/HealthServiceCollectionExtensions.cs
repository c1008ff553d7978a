using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Core.Health;

/// <summary>One registered doctor check, kept in registration order.</summary>
public sealed record DoctorCheckRegistration(Type CheckType);

public static class HealthServiceCollectionExtensions
{
    /// <summary>
    /// Adds a check that <c>doctor</c> runs after the ones registered before it. Each check is resolved on its
    /// own, so one that cannot be built (bad settings) is reported without stopping the others.
    /// </summary>
    public static IServiceCollection AddDoctorCheck<T>(this IServiceCollection services)
        where T : class, IDoctorCheck
    {
        if (services.Any(d => d.ServiceType == typeof(DoctorCheckRegistration) && d.ImplementationInstance is DoctorCheckRegistration r && r.CheckType == typeof(T)))
        {
            return services;
        }

        services.AddSingleton<T>();
        services.AddSingleton(new DoctorCheckRegistration(typeof(T)));
        return services;
    }
}

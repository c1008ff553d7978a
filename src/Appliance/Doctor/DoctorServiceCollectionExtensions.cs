using Cualify.Appliance.Core.Health;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Doctor;

public static class DoctorServiceCollectionExtensions
{
    /// <summary>The host's own checks, first in doctor's list; features add theirs after, from their AddXxx().</summary>
    public static IServiceCollection AddHostDoctorChecks(this IServiceCollection services) => services
        .AddDoctorCheck<DataFolderCheck>()
        .AddDoctorCheck<StoreIntegrityCheck>()
        .AddDoctorCheck<MigrationsCheck>()
        .AddDoctorCheck<SecretKeyCheck>()
        .AddDoctorCheck<ClockCheck>();
}

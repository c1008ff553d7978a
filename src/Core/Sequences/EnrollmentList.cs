using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>An org's enrollments, newest first, optionally of one status (the console's review queue is <c>pending_review</c>), each with its steps.</summary>
public sealed class EnrollmentList(ApplianceStore store)
{
    public async Task<Page<EnrollmentView>> ListAsync(string orgId, string? status, PageRequest page, CancellationToken cancellationToken = default)
    {
        var enrollments = await ListQuery.OfOrg("sequence_enrollments", EnrollmentStore.Columns)
            .Where(status is not null, "status = @Status")
            .ReadAsync<Enrollment>(store, new { OrgId = orgId, Status = status }, page, cancellationToken);
        var ids = enrollments.Items.Select(e => e.Id).ToList();
        IEnumerable<EnrollmentStep> steps = ids.Count == 0
            ? []
            : await store.ReadAsync(connection => connection.QueryAsync<EnrollmentStep>(new CommandDefinition(
                $"SELECT {EnrollmentStore.StepColumns} FROM sequence_steps WHERE enrollment_id IN @ids", new { ids }, cancellationToken: cancellationToken)), cancellationToken);
        var stepsOf = steps.ToLookup(s => s.EnrollmentId);
        return enrollments.Map(e => EnrollmentView.From(e, stepsOf[e.Id]));
    }
}

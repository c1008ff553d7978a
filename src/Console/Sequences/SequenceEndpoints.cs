using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.OperatorConsole.Actions;
using Cualify.Appliance.OperatorConsole.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.OperatorConsole.Sequences;

/// <summary>Sequences' actions: approve a pending_review enrollment (admin, as in the API) and stop one (write).</summary>
public static class SequenceEndpoints
{
    public const string ReviewQueue = ConsolePaths.Sequences + "#review";

    public static string ApprovePath(string enrollmentId) => $"{ConsolePaths.Sequences}/enrollments/{Uri.EscapeDataString(enrollmentId)}/approve";

    public static string StopPath(string enrollmentId) => $"{ConsolePaths.Sequences}/enrollments/{Uri.EscapeDataString(enrollmentId)}/stop";

    public static RouteGroupBuilder MapSequenceActions(this RouteGroupBuilder console)
    {
        // The review gate is for a person with an admin key, not the write key that started the sequence.
        console.MapPost("/sequences/enrollments/{id}/approve", ApproveAsync).NeedsScope(Scope.Admin);
        console.MapPost("/sequences/enrollments/{id}/stop", StopAsync);
        return console;
    }

    private static async Task<IResult> ApproveAsync(string id, HttpContext context, EnrollmentStore enrollments)
    {
        await enrollments.ApproveAsync(context.RequireConsoleSession().OrgId, id, context.RequestAborted);
        return ConsoleActions.SeeOther(ConsolePaths.Sequences + "?approved=" + Uri.EscapeDataString(id));
    }

    private static async Task<IResult> StopAsync(string id, HttpContext context, EnrollmentStop stop)
    {
        await stop.StopAsync(context.RequireConsoleSession().OrgId, id, context.RequestAborted);
        return ConsoleActions.SeeOther(ConsolePaths.Sequences);
    }
}

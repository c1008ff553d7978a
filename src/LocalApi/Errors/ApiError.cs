using Cualify.Appliance.Core.Errors;

namespace Cualify.Appliance.LocalApi.Errors;

/// <summary>An error answer ready to write: its HTTP status and the envelope's body.</summary>
public sealed record ApiError(int Status, ErrorBody Body)
{
    public ApiError(int status, string code, string message, string? param = null)
        : this(status, new ErrorBody(code, message, param, null))
    {
    }

    public static ApiError From(ApplianceException error)
    {
        var (status, code) = ErrorKinds.ToHttp(error.Kind);
        return new ApiError(status, new ErrorBody(code, error.Message, error.Param, error.Details));
    }
}

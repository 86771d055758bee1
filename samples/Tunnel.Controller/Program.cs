using Tunnel.Controller;

// tunnel-controller: enrols agents, keeps their device settings profiles, and pushes changes to them live.
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.AddController();
WebApplication app = builder.Build();
app.MapController();
app.Run();

/// <summary>The entry point (public for the tests' host factory).</summary>
public partial class Program;

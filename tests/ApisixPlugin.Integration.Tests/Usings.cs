global using ApisixPlugin.Integration.Tests.Infrastructure;

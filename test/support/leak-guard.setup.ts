/** setupFilesAfterEnv of the integration and fault tests: installs the leak guard and hands its checks to leak-guard-environment.js. */
import { installLeakGuard, leaksOfFile, leaksOfTest, mark } from './leak-guard';

installLeakGuard();
(globalThis as { __leakGuard?: unknown }).__leakGuard = { mark, leaksOfTest, leaksOfFile };

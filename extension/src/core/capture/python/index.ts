/**
 * pytest capture: detection, the test run with Revise's plugin (`extension/python/revise_pytest.py`), and
 * the parsers for what it leaves behind.
 */
export { capturePytest, MAX_COVERED_FILE_BYTES } from './capture';
export { detectPytest, isPythonTestFile, pytestInvocation } from './detect';
export { defaultPython, probeInterpreter, type InterpreterInfo } from './interpreter';
export { parsePluginOutput, parseCoverageFile, type PluginOutput } from './records';
export { parseJUnitXml, junitCasesToResults, type JUnitCase, type JUnitParse } from './junit';
export { assembleTestRun, type RunArtifacts } from './assemble';

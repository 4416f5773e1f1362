// Nest entry point of the job runtime (`@portico/jobs-runtime/nest`), kept apart from the main
// index so that plain code and unit tests never load Nest.
export { JobsModule, JOBS_RUNTIME } from './handlers/jobs.module';

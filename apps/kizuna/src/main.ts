import './register-paths';
import { startKizuna } from './bootstrap';

// npm start: the api and the worker in one process, for a single machine.
void startKizuna({ api: true, worker: true });

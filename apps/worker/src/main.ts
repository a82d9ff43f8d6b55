import '../../kizuna/src/register-paths';
import { startKizuna } from '../../kizuna/src/bootstrap';

// Background processing alone; run as many as you like against the same database.
void startKizuna({ api: false, worker: true });

export { EcsHonesty, type ImageBehaviour } from './service';
